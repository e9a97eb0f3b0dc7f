/**
 * A lock that holds across hosts on a shared file system, where flock(2)
 * cannot be trusted (NFSv3 with `nolock` or `local_lock`, Lustre without
 * `-o flock`, many FUSE file systems): a lease file created exclusively
 * (`O_CREAT|O_EXCL`, atomic on NFSv3 and later), naming its holder (host,
 * boot id, pid and the pid's start time) and rewritten in place every few
 * seconds as a heartbeat.
 *
 * A waiter takes over a lease that is dead: at once when the holder is on
 * its own host and that process is gone (or the host rebooted since), and
 * otherwise when the lease has not changed for `staleMs` of the waiter's own
 * clock, so clock skew between hosts never matters. Breaking a lease goes
 * through a second exclusive file, so two waiters never both take over. A
 * holder whose lease was broken (it stalled past `staleMs`) notices at its
 * next heartbeat and is told through {@linkcode HeldLock.lost}.
 *
 * @module
 */
import type { HeldLock } from "./held_lock.ts";

/** Options of {@linkcode acquireLease}. */
export interface LeaseOptions {
  /** How often the holder rewrites its lease. @default 5000 */
  heartbeatMs?: number;
  /** A lease of another host unchanged for this long is dead. @default 30000 */
  staleMs?: number;
  /** How often a waiter looks again. @default 250 */
  pollMs?: number;
}

/** Who holds a lease, as its file says. */
export interface LeaseHolder {
  /** The holder's host name. */
  host: string;
  /** The holder's process id on that host. */
  pid: number;
}

interface LeaseContent extends LeaseHolder {
  v: 1;
  token: string;
  boot: string;
  start: string;
  beat: number;
  at: string;
}

/** The lease file's fixed size: heartbeats rewrite it in place. */
const LEASE_BYTES = 512;

/** The host, boot and process identity of this process. */
function self(): Pick<LeaseContent, "host" | "boot" | "pid" | "start"> {
  return {
    host: Deno.hostname(),
    boot: bootId(),
    pid: Deno.pid,
    start: processStart(Deno.pid) ?? "",
  };
}

function bootId(): string {
  try {
    return Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
  } catch {
    return "";
  }
}

/** A process's start time (clock ticks since boot), which tells a reused pid apart. */
function processStart(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function encode(content: LeaseContent): Uint8Array {
  const bytes = new Uint8Array(LEASE_BYTES).fill(0x20);
  const json = new TextEncoder().encode(JSON.stringify(content));
  bytes.set(json.subarray(0, LEASE_BYTES - 1));
  bytes[LEASE_BYTES - 1] = 0x0a;
  return bytes;
}

function parse(text: string): LeaseContent | undefined {
  try {
    const value = JSON.parse(text);
    return value?.v === 1 && typeof value.token === "string" &&
        typeof value.host === "string" && typeof value.pid === "number"
      ? value as LeaseContent
      : undefined;
  } catch {
    return undefined; // torn by a heartbeat being written: read again
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Tells dead leases from live ones by watching them over time. */
class StaleWatch {
  #seen = new Map<string, { text: string; sinceMs: number }>();
  constructor(readonly staleMs: number) {}

  /** True when the lease at `path`, now reading `text`, is dead. */
  isDead(path: string, text: string): boolean {
    const now = performance.now();
    const seen = this.#seen.get(path);
    if (!seen || seen.text !== text) {
      this.#seen.set(path, { text, sinceMs: now });
    }
    const lease = parse(text);
    const me = self();
    if (lease && lease.host === me.host) {
      if (lease.boot !== me.boot) return true; // the host rebooted since
      return processStart(lease.pid) !== lease.start; // gone, or a reused pid
    }
    return now - this.#seen.get(path)!.sinceMs >= this.staleMs;
  }
}

/**
 * Removes the dead lease at `path` if it still reads `text`. Returns false
 * when another waiter is breaking it right now.
 */
async function breakLease(
  path: string,
  text: string,
  watch: StaleWatch,
): Promise<boolean> {
  const breaker = `${path}.break`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(breaker, { createNew: true, write: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    // A breaker that died mid-way leaves its file; it is dead like a lease.
    const other = await readText(breaker);
    if (other !== undefined && watch.isDead(breaker, other)) {
      await Deno.remove(breaker).catch(() => {});
    }
    return false;
  }
  try {
    await file.write(encode({ ...self(), v: 1, token: "", beat: 0, at: "" }));
    file.close();
    if ((await readText(path)) === text) await Deno.remove(path);
    return true;
  } finally {
    await Deno.remove(breaker).catch(() => {});
  }
}

/** Creates the lease at `path` if nobody holds it; undefined otherwise. */
async function createLease(
  path: string,
  heartbeatMs: number,
): Promise<HeldLock | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { createNew: true, write: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return undefined;
    throw error;
  }
  const content: LeaseContent = {
    v: 1,
    token: crypto.randomUUID(),
    ...self(),
    beat: 0,
    at: new Date().toISOString(),
  };
  try {
    await file.write(encode(content));
  } finally {
    file.close();
  }
  const lost = new AbortController();
  const beat = async () => {
    try {
      using lease = await Deno.open(path, { read: true, write: true });
      const buffer = new Uint8Array(LEASE_BYTES);
      const n = await lease.read(buffer) ?? 0;
      const now = parse(new TextDecoder().decode(buffer.subarray(0, n)));
      if (now?.token !== content.token) throw new Deno.errors.NotFound();
      content.beat++;
      content.at = new Date().toISOString();
      await lease.seek(0, Deno.SeekMode.Start);
      await lease.write(encode(content));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) return; // try again next beat
      clearInterval(timer);
      lost.abort(
        new Error(
          `the lock ${path} was taken over by another run (this run stalled for too long)`,
        ),
      );
    }
  };
  const timer = setInterval(beat, heartbeatMs);
  Deno.unrefTimer(timer);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(timer);
    try {
      const now = parse(Deno.readTextFileSync(path));
      if (now?.token === content.token) Deno.removeSync(path);
    } catch { /* already gone */ }
  };
  return { release, lost: lost.signal, [Symbol.dispose]: release };
}

/**
 * Takes the lease at `path`, waiting while a live holder has it and taking
 * over a dead one.
 *
 * @param onWait called once, with the holder as its file names it, before waiting.
 */
export async function acquireLease(
  path: string,
  onWait?: (holder: LeaseHolder | undefined) => void,
  options: LeaseOptions = {},
): Promise<HeldLock> {
  const watch = new StaleWatch(options.staleMs ?? 30_000);
  let waited = false;
  while (true) {
    const lock = await createLease(path, options.heartbeatMs ?? 5_000);
    if (lock) return lock;
    const text = await readText(path);
    if (text === undefined) continue; // released just now
    if (watch.isDead(path, text)) {
      if (await breakLease(path, text, watch)) continue;
    } else if (!waited) {
      waited = true;
      const holder = parse(text);
      onWait?.(holder ? { host: holder.host, pid: holder.pid } : undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

/** Takes the lease at `path` if nobody live holds it (a dead holder on this host is taken over); undefined otherwise. */
export async function tryAcquireLease(
  path: string,
  options: LeaseOptions = {},
): Promise<HeldLock | undefined> {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const lock = await createLease(path, heartbeatMs);
  if (lock) return lock;
  const text = await readText(path);
  const lease = text === undefined ? undefined : parse(text);
  // Only a holder on this host can be known dead without watching it.
  if (text === undefined || lease?.host !== Deno.hostname()) {
    return text === undefined
      ? await createLease(path, heartbeatMs)
      : undefined;
  }
  const watch = new StaleWatch(options.staleMs ?? 30_000);
  if (!watch.isDead(path, text) || !(await breakLease(path, text, watch))) {
    return undefined;
  }
  return await createLease(path, heartbeatMs);
}
