import assert from "node:assert/strict";
import {
  acquireStageLock,
  tryAcquireStageLock,
} from "../../../runner/cache/stage_lock.ts";
import { lockKindFor } from "../../../runner/cache/lock_kind.ts";

const KEY = "b".repeat(64);
const LEASE = {
  kind: "lease" as const,
  lease: { staleMs: 1_500, heartbeatMs: 200, pollMs: 50 },
};
const MODULE = new URL("../../../runner/cache/stage_lock.ts", import.meta.url)
  .href;

/** Starts a process that takes the lease of KEY and holds it until killed. */
async function leaseHolder(cache: string) {
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `
      const { acquireStageLock } = await import("${MODULE}");
      await acquireStageLock("${cache}", "${KEY}", undefined, ${
        JSON.stringify(LEASE)
      });
      console.log("locked");
      setInterval(() => {}, 1000);
    `,
    ],
    stdout: "piped",
  }).spawn();
  const reader = holder.stdout.getReader();
  await reader.read(); // "locked"
  reader.releaseLock();
  return holder;
}

/** A lease as another host's runner writes it. */
function foreignLease(beat: number): string {
  return JSON.stringify({
    v: 1,
    token: "t-foreign",
    host: "node-b.example",
    boot: "boot-b",
    pid: 4242,
    start: "1",
    beat,
    at: new Date().toISOString(),
  }).padEnd(511) + "\n";
}

Deno.test("acquireStageLock() with leases excludes a second process and takes over at once from a holder on this host killed with SIGKILL", async () => {
  const cache = await Deno.makeTempDir();
  const holder = await leaseHolder(cache);
  try {
    assert.equal(await tryAcquireStageLock(cache, KEY, LEASE), undefined);
    const { promise: waiting, resolve: nowWaiting } = Promise.withResolvers<
      [number | undefined, string | undefined]
    >();
    const acquiring = acquireStageLock(
      cache,
      KEY,
      (pid, host) => nowWaiting([pid, host]),
      // A long stale time: only the dead pid may let the waiter in.
      { kind: "lease", lease: { staleMs: 60_000, pollMs: 50 } },
    );
    const [pid, host] = await waiting;
    assert.equal(pid, holder.pid);
    assert.equal(host, Deno.hostname());
    holder.kill("SIGKILL");
    await holder.status;
    const started = performance.now();
    const lock = await acquiring;
    assert.ok(performance.now() - started < 5_000);
    const lease = JSON.parse(
      await Deno.readTextFile(`${cache}/locks/${KEY}.lease`),
    );
    assert.equal(lease.pid, Deno.pid);
    lock.release();
    assert.equal(
      await Deno.stat(`${cache}/locks/${KEY}.lease`).catch(() => undefined),
      undefined,
      "a released lease is removed",
    );
  } finally {
    try {
      holder.kill("SIGKILL");
    } catch { /* ended */ }
    await holder.stdout.cancel().catch(() => {});
    await holder.status;
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("acquireStageLock() with leases takes over another host's lease only once its heartbeat has stopped for staleMs", async () => {
  const cache = await Deno.makeTempDir();
  const path = `${cache}/locks/${KEY}.lease`;
  await Deno.mkdir(`${cache}/locks`);
  let beat = 0;
  await Deno.writeTextFile(path, foreignLease(beat));
  // The other host's runner is alive: its heartbeat changes the file.
  const heartbeat = setInterval(
    () => Deno.writeTextFileSync(path, foreignLease(++beat)),
    300,
  );
  try {
    let taken = false;
    const acquiring = acquireStageLock(cache, KEY, undefined, LEASE).then(
      (lock) => {
        taken = true;
        return lock;
      },
    );
    await new Promise((r) => setTimeout(r, 4_000)); // more than twice staleMs
    assert.equal(taken, false, "a live lease of another host is never broken");
    clearInterval(heartbeat); // that host dies
    const stopped = performance.now();
    const lock = await acquiring;
    const waitedMs = performance.now() - stopped;
    assert.ok(waitedMs >= 1_100 && waitedMs < 5_000, `waited ${waitedMs} ms`);
    assert.equal(JSON.parse(await Deno.readTextFile(path)).pid, Deno.pid);
    lock.release();
  } finally {
    clearInterval(heartbeat);
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("a lease holder learns through lost when its lease was taken over, and its release leaves the new holder's lease alone", async () => {
  const cache = await Deno.makeTempDir();
  const path = `${cache}/locks/${KEY}.lease`;
  try {
    const lock = await acquireStageLock(cache, KEY, undefined, LEASE);
    assert.equal(lock.lost.aborted, false);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(lock.lost.aborted, false, "its own heartbeats keep it");
    // Another host decided it was dead and took the lease.
    await Deno.writeTextFile(path, foreignLease(0));
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(lock.lost.aborted, true);
    lock.release();
    assert.equal(JSON.parse(await Deno.readTextFile(path)).token, "t-foreign");
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("lockKindFor() takes the configured kind, and flock for a local file system", () => {
  assert.equal(lockKindFor("/tmp", "lease"), "lease");
  assert.equal(lockKindFor("/tmp/not/made/yet", "auto"), "flock");
  assert.equal(lockKindFor("/proc/self", "flock"), "flock");
});
