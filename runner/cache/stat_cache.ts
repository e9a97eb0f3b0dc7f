/**
 * A persistent map from a file's identity (device, inode, size, mtime, ctime)
 * to values derived from its content (its digest, its normalised code digest),
 * so unchanged files are not read again. Content digests remain the truth: a
 * changed identity always means a fresh read.
 *
 * @module
 */
import { atomicWrite } from "./atomic_write.ts";

/** Files modified this recently are not cached: a same-millisecond rewrite would keep its identity. */
const RACY_WINDOW_MS = 2000;

/** The identity of a file as the stat cache sees it. */
export type FileIdentity = string;

/** Returns the identity of `info`, or undefined when it cannot be trusted yet. */
export function fileIdentity(info: Deno.FileInfo): FileIdentity | undefined {
  const mtime = info.mtime?.getTime();
  const ctime = info.ctime?.getTime();
  if (mtime === undefined || ctime === undefined || info.ino === null) {
    return undefined;
  }
  if (Math.max(mtime, ctime) > Date.now() - RACY_WINDOW_MS) return undefined;
  return `${info.dev}:${info.ino}:${info.size}:${mtime}:${ctime}`;
}

/** A namespaced stat cache backed by one JSON file. */
export class StatCache {
  #path: string;
  #entries: Record<string, [FileIdentity, unknown]>;
  #dirty = false;

  private constructor(
    path: string,
    entries: Record<string, [FileIdentity, unknown]>,
  ) {
    this.#path = path;
    this.#entries = entries;
  }

  /** Opens the cache stored at `path`; a missing or unreadable file starts empty. */
  static open(path: string): StatCache {
    let entries: Record<string, [FileIdentity, unknown]> = {};
    try {
      const parsed = JSON.parse(Deno.readTextFileSync(path));
      if (parsed?.version === 1 && typeof parsed.entries === "object") {
        entries = parsed.entries;
      }
    } catch {
      // A missing or damaged cache only costs re-reading files.
    }
    return new StatCache(path, entries);
  }

  /** The value stored for (`namespace`, `path`) if the file still has `identity`. */
  get<T>(
    namespace: string,
    path: string,
    identity: FileIdentity | undefined,
  ): T | undefined {
    if (identity === undefined) return undefined;
    const entry = this.#entries[`${namespace}\0${path}`];
    return entry !== undefined && entry[0] === identity
      ? entry[1] as T
      : undefined;
  }

  /** Stores `value` for (`namespace`, `path`) at `identity` (ignored when undefined). */
  set(
    namespace: string,
    path: string,
    identity: FileIdentity | undefined,
    value: unknown,
  ): void {
    if (identity === undefined) return;
    this.#entries[`${namespace}\0${path}`] = [identity, value];
    this.#dirty = true;
  }

  /** Writes the cache back if it changed. */
  async save(): Promise<void> {
    if (!this.#dirty) return;
    await atomicWrite(
      this.#path,
      JSON.stringify({ version: 1, entries: this.#entries }),
    );
    this.#dirty = false;
  }
}
