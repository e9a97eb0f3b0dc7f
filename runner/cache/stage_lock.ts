/**
 * One lock per cache key, so two runs on the same store never run the same
 * stage at once. On a local cache it is an flock(2) lock: the kernel
 * releases it when the holding process dies, however it dies, so a dead
 * holder never blocks anyone; the file also names the holder's pid, for
 * messages. On a cache shared between hosts it is a lease file with a
 * heartbeat (see lease_lock.ts), which holds across hosts and is taken over
 * when its holder or its host died.
 *
 * @module
 */
import type { Digest } from "./digest.ts";
import type { HeldLock } from "./held_lock.ts";
import {
  acquireLease,
  type LeaseOptions,
  tryAcquireLease,
} from "./lease_lock.ts";

/** A held lock; release it with `release()` (or `using`). */
export type StageLock = HeldLock;

/** How stage locks are taken: flock(2) on one host, lease files across hosts. */
export type LockKind = "flock" | "lease";

/** Options of {@linkcode acquireStageLock} and {@linkcode tryAcquireStageLock}. */
export interface StageLockOptions {
  /** The kind of lock. @default "flock" */
  kind?: LockKind;
  /** Timing of lease locks. */
  lease?: LeaseOptions;
}

const NEVER_LOST = new AbortController().signal;

/**
 * Takes the lock of `key`, waiting for it if another process holds it.
 *
 * @param onWait called once, with the holder's pid (and host, for a lease) when known, before waiting.
 */
export async function acquireStageLock(
  cacheDir: string,
  key: Digest,
  onWait?: (holderPid: number | undefined, holderHost?: string) => void,
  options: StageLockOptions = {},
): Promise<StageLock> {
  await Deno.mkdir(`${cacheDir}/locks`, { recursive: true });
  if (options.kind === "lease") {
    return await acquireLease(
      `${cacheDir}/locks/${key}.lease`,
      (holder) => onWait?.(holder?.pid, holder?.host),
      options.lease,
    );
  }
  const path = `${cacheDir}/locks/${key}.lock`;
  const file = await Deno.open(path, { read: true, write: true, create: true });
  if (!(await file.tryLock(true))) {
    let holder: number | undefined;
    try {
      holder = Number((await Deno.readTextFile(path)).trim()) || undefined;
    } catch { /* unknown holder */ }
    onWait?.(holder);
    await file.lock(true);
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    file.close(); // closing drops the flock
  };
  return { release, lost: NEVER_LOST, [Symbol.dispose]: release };
}

/** Takes the lock of `key` if nobody holds it; undefined otherwise. */
export async function tryAcquireStageLock(
  cacheDir: string,
  key: Digest,
  options: StageLockOptions = {},
): Promise<StageLock | undefined> {
  await Deno.mkdir(`${cacheDir}/locks`, { recursive: true });
  if (options.kind === "lease") {
    return await tryAcquireLease(
      `${cacheDir}/locks/${key}.lease`,
      options.lease,
    );
  }
  const file = await Deno.open(`${cacheDir}/locks/${key}.lock`, {
    read: true,
    write: true,
    create: true,
  });
  if (!(await file.tryLock(true))) {
    file.close();
    return undefined;
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    file.close();
  };
  return { release, lost: NEVER_LOST, [Symbol.dispose]: release };
}

/**
 * Takes a shared (`exclusive` false) or exclusive lock on the whole store:
 * runs hold it shared, the garbage collector exclusively.
 */
export async function acquireStoreLock(
  cacheDir: string,
  exclusive: boolean,
): Promise<StageLock> {
  await Deno.mkdir(cacheDir, { recursive: true });
  const file = await Deno.open(`${cacheDir}/store.lock`, {
    read: true,
    write: true,
    create: true,
  });
  await file.lock(exclusive);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    file.close();
  };
  return { release, lost: NEVER_LOST, [Symbol.dispose]: release };
}
