/**
 * Hashes a file or directory given as a data input, reusing digests from the
 * stat cache for files whose identity has not changed.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";
import type { LazyFileHasher } from "./digest.ts";
import type { ManifestFile } from "./manifest.ts";
import { fileIdentity, type StatCache } from "./stat_cache.ts";

/** A data path holds something that cannot be read as data. */
export class DataPathError extends HintedError {
  override name = "DataPathError";
}

/** The stat-cache namespace of content digests. */
export const CONTENT_NAMESPACE = "content";

/** Options of {@linkcode hashTree}. */
export interface HashTreeOptions {
  /** Reuses digests of unchanged files. */
  statCache: StatCache;
  /** The run's hasher, created only if some file must be read. */
  hasher: LazyFileHasher;
}

/**
 * Lists and hashes every file under `root` (or `root` itself if it is a
 * file), following symbolic links, in sorted path order. Paths in the result
 * are relative to `root` (a single file is listed under its base name).
 *
 * @throws {Deno.errors.NotFound} when `root` does not exist.
 */
export async function hashTree(
  root: string,
  options: HashTreeOptions,
): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  const misses: {
    index: number;
    absolute: string;
    identity: string | undefined;
  }[] = [];
  const visit = (
    absolute: string,
    relative: string,
    ancestors: readonly string[],
  ) => {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(absolute);
    } catch (error) {
      if (relative === "" || !(error instanceof Deno.errors.NotFound)) {
        throw error;
      }
      let target = "?";
      try {
        target = Deno.readLinkSync(absolute);
      } catch { /* not a link after all */ }
      throw new DataPathError(
        `Cannot read "${relative}" in data path "${root}": it is a symbolic link to "${target}", which does not exist`,
        { hint: "remove the link, or restore the file it points to" },
      );
    }
    if (info.isDirectory) {
      const id = `${info.dev}:${info.ino}`;
      if (ancestors.includes(id)) return; // a symlink loop
      const names = [...Deno.readDirSync(absolute)].map((e) => e.name).sort();
      const inner = [...ancestors, id];
      for (const name of names) {
        visit(
          `${absolute}/${name}`,
          relative ? `${relative}/${name}` : name,
          inner,
        );
      }
      return;
    }
    if (!info.isFile) return; // sockets, fifos: not data
    const identity = fileIdentity(info);
    const entry = options.statCache.get<{ digest: string; size: number }>(
      CONTENT_NAMESPACE,
      absolute,
      identity,
    );
    if (entry === undefined) {
      misses.push({ index: files.length, absolute, identity });
    }
    files.push({
      path: relative,
      digest: entry?.digest ?? "",
      size: entry?.size ?? 0,
    });
  };
  const info = Deno.statSync(root);
  visit(
    root,
    info.isDirectory ? "" : root.slice(root.lastIndexOf("/") + 1),
    [],
  );
  if (misses.length > 0) {
    const hasher = await options.hasher();
    for (const miss of misses) {
      const { digest, sizeBytes } = hasher.hash(miss.absolute);
      files[miss.index].digest = digest;
      files[miss.index].size = sizeBytes;
      options.statCache.set(CONTENT_NAMESPACE, miss.absolute, miss.identity, {
        digest,
        size: sizeBytes,
      });
    }
  }
  return files;
}
