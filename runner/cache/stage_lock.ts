/**
 * One lock per cache key, so two runs on the same store never run the same
 * stage at once. It is an flock(2) lock: the kernel releases it when the
 * holding process dies, however it dies, so a dead holder never blocks
 * anyone. The file also names the holder's pid, for messages.
 *
 * @module
 */
import type { Digest } from "./digest.ts";

/** A held lock; release it with `release()` (or `using`). */
export interface StageLock extends Disposable {
  /** Releases the lock. */
  release(): void;
}

/**
 * Takes the lock of `key`, waiting for it if another process holds it.
 *
 * @param onWait called once, with the holder's pid when known, before waiting.
 */
export async function acquireStageLock(
  cacheDir: string,
  key: Digest,
  onWait?: (holderPid: number | undefined) => void,
): Promise<StageLock> {
  await Deno.mkdir(`${cacheDir}/locks`, { recursive: true });
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
  return { release, [Symbol.dispose]: release };
}

/** Takes the lock of `key` if nobody holds it; undefined otherwise. */
export async function tryAcquireStageLock(
  cacheDir: string,
  key: Digest,
): Promise<StageLock | undefined> {
  await Deno.mkdir(`${cacheDir}/locks`, { recursive: true });
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
  return { release, [Symbol.dispose]: release };
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
  return { release, [Symbol.dispose]: release };
}
