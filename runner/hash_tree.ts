/**
 * Hashes a file or directory given as a data input, reusing digests from the
 * stat cache for files whose identity has not changed.
 *
 * @module
 */
import { FileHasher } from "./digest.ts";
import type { ManifestFile } from "./manifest.ts";
import { fileIdentity, type StatCache } from "./stat_cache.ts";

/** The stat-cache namespace of content digests. */
export const CONTENT_NAMESPACE = "content";

/** Options of {@linkcode hashTree}. */
export interface HashTreeOptions {
  /** Reuses digests of unchanged files. */
  statCache: StatCache;
  /** The hasher (one per run, it owns a buffer). @default a new one */
  hasher?: FileHasher;
}

/**
 * Lists and hashes every file under `root` (or `root` itself if it is a
 * file), following symbolic links, in sorted path order. Paths in the result
 * are relative to `root` (a single file is listed under its base name).
 *
 * @throws {Deno.errors.NotFound} when `root` does not exist.
 */
export function hashTree(
  root: string,
  options: HashTreeOptions,
): ManifestFile[] {
  const hasher = options.hasher ?? new FileHasher();
  const files: ManifestFile[] = [];
  const visit = (absolute: string, relative: string, seen: Set<string>) => {
    const info = Deno.statSync(absolute);
    if (info.isDirectory) {
      const id = `${info.dev}:${info.ino}`;
      if (seen.has(id)) return; // a symlink loop
      const names = [...Deno.readDirSync(absolute)].map((e) => e.name).sort();
      for (const name of names) {
        visit(
          `${absolute}/${name}`,
          relative ? `${relative}/${name}` : name,
          new Set([...seen, id]),
        );
      }
      return;
    }
    if (!info.isFile) return; // sockets, fifos: not data
    const identity = fileIdentity(info);
    let entry = options.statCache.get<{ digest: string; size: number }>(
      CONTENT_NAMESPACE,
      absolute,
      identity,
    );
    if (entry === undefined) {
      const { digest, sizeBytes } = hasher.hash(absolute);
      entry = { digest, size: sizeBytes };
      options.statCache.set(CONTENT_NAMESPACE, absolute, identity, entry);
    }
    files.push({ path: relative, digest: entry.digest, size: entry.size });
  };
  const info = Deno.statSync(root);
  visit(
    root,
    info.isDirectory ? "" : root.slice(root.lastIndexOf("/") + 1),
    new Set(),
  );
  return files;
}
