/**
 * The content-addressed object store: every file lives once, read-only, under
 * `objects/<first two hex digits>/<rest of the digest>`. It takes bytes or
 * files and returns digests; it knows nothing of stages or runs.
 *
 * @module
 */
import {
  type Digest,
  digestBytes,
  type LazyFileHasher,
  lazyFileHasher,
} from "./digest.ts";

/** A content-addressed object store rooted at `<cacheDir>/objects`. */
export class Store {
  /** The objects directory. */
  readonly root: string;
  #hasher: LazyFileHasher = lazyFileHasher();

  constructor(cacheDir: string) {
    this.root = `${cacheDir}/objects`;
  }

  /** Where the object `digest` lives (whether or not it exists). */
  objectPath(digest: Digest): string {
    return `${this.root}/${digest.slice(0, 2)}/${digest.slice(2)}`;
  }

  /** True when the object exists. */
  has(digest: Digest): boolean {
    try {
      Deno.statSync(this.objectPath(digest));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Moves the file at `path` into the store (a rename, so `path` must be on the
   * cache's file system) and returns its digest. When the object already
   * exists, the file is removed instead: identical files are stored once.
   */
  async putFile(path: string): Promise<{ digest: Digest; sizeBytes: number }> {
    const { digest, sizeBytes } = (await this.#hasher()).hash(path);
    const target = this.objectPath(digest);
    if (this.has(digest)) {
      Deno.removeSync(path);
    } else {
      Deno.mkdirSync(`${this.root}/${digest.slice(0, 2)}`, { recursive: true });
      Deno.chmodSync(path, 0o444);
      Deno.renameSync(path, target);
    }
    return { digest, sizeBytes };
  }

  /** Stores `data` and returns its digest. */
  async putBytes(data: Uint8Array | string): Promise<Digest> {
    const bytes = typeof data === "string"
      ? new TextEncoder().encode(data)
      : data;
    const digest = await digestBytes(bytes);
    if (this.has(digest)) return digest;
    const dir = `${this.root}/${digest.slice(0, 2)}`;
    await Deno.mkdir(dir, { recursive: true });
    const temp = `${dir}/.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.writeFile(temp, bytes, { mode: 0o444 });
    await Deno.rename(temp, this.objectPath(digest));
    return digest;
  }

  /** Reads an object's bytes. */
  async read(digest: Digest): Promise<Uint8Array> {
    return await Deno.readFile(this.objectPath(digest));
  }

  /** Deletes an object (a damaged one, or one the garbage collector found unused). */
  async remove(digest: Digest): Promise<void> {
    await Deno.remove(this.objectPath(digest)).catch(() => {});
  }
}
