import assert from "node:assert/strict";
import {
  acquireStageLock,
  tryAcquireStageLock,
} from "../../../runner/cache/stage_lock.ts";

const KEY = "a".repeat(64);

Deno.test("acquireStageLock() excludes a second holder and recovers from a holder killed with SIGKILL", async () => {
  const cache = await Deno.makeTempDir();
  await Deno.mkdir(`${cache}/locks`, { recursive: true });
  // Another process takes the lock and then dies without releasing it.
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `
      const f = await Deno.open("${cache}/locks/${KEY}.lock", { read: true, write: true, create: true });
      await f.lock(true);
      console.log("locked");
      setInterval(() => {}, 1000);
    `,
    ],
    stdout: "piped",
  }).spawn();
  const reader = holder.stdout.getReader();
  await reader.read(); // "locked"
  assert.deepStrictEqual(await tryAcquireStageLock(cache, KEY), undefined);
  const { promise: waiting, resolve: nowWaiting } = Promise.withResolvers<
    number | undefined
  >();
  const acquiring = acquireStageLock(cache, KEY, nowWaiting);
  // Kill the holder only once the second taker is blocked on the lock.
  await waiting;
  holder.kill("SIGKILL");
  await holder.status;
  reader.releaseLock();
  await holder.stdout.cancel();
  const lock = await acquiring;
  assert.deepStrictEqual(
    (await Deno.readTextFile(`${cache}/locks/${KEY}.lock`)).trim(),
    String(Deno.pid),
  );
  lock.release();
  const again = await tryAcquireStageLock(cache, KEY);
  assert.ok(again !== undefined);
  again.release();
  await Deno.remove(cache, { recursive: true });
});
