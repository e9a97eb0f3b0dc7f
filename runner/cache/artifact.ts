/**
 * A stored artifact ready to read ({@linkcode ArtifactRef}), and the check
 * that a cached one is still whole: its tree exists and every file matches
 * its manifest.
 *
 * @module
 */
import type { Digest, LazyFileHasher } from "./digest.ts";
import {
  contentManifest,
  loadManifest,
  type Manifest,
  storeManifest,
} from "./manifest.ts";
import type { StatCache } from "./stat_cache.ts";
import type { Store } from "./store.ts";
import {
  type DamagedFile,
  materializeTree,
  removeTree,
  verifyTree,
} from "./tree.ts";

/** A stored artifact, ready to read. */
export interface ArtifactRef {
  /** Manifest digest. */
  digest: Digest;
  /** Digest of the manifest without the run-info file: what dependants are keyed on. */
  content: Digest;
  /** Its manifest. */
  manifest: Manifest;
  /** Its materialised tree. */
  tree: string;
}

/** What checking an artifact needs. */
export interface ArtifactCheckContext {
  /** The cache directory (trees live under it). */
  cacheDir: string;
  /** The object store. */
  store: Store;
  /** Skips re-hashing files whose identity is unchanged. */
  statCache: StatCache;
  /** The run's file hasher. */
  hasher: LazyFileHasher;
}

/**
 * Makes sure an artifact's tree exists and matches its manifest. Damaged
 * files are removed from the store (with the tree) so a re-run rebuilds them.
 */
export async function checkArtifact(
  digest: Digest,
  context: ArtifactCheckContext,
): Promise<
  { ok: true; artifact: ArtifactRef } | { ok: false; damaged: DamagedFile[] }
> {
  const { store, cacheDir } = context;
  const manifest = await loadManifest(store, digest);
  if (!manifest) {
    return { ok: false, damaged: [{ path: "(manifest)", problem: "missing" }] };
  }
  const missing = manifest.files.filter((f) =>
    f.external === undefined && !store.has(f.digest)
  );
  let tree: string;
  try {
    tree = await materializeTree(cacheDir, store, digest, manifest);
  } catch {
    return {
      ok: false,
      damaged: missing.map((f) => ({ path: f.path, problem: "missing" })),
    };
  }
  const damaged = await verifyTree(
    tree,
    manifest,
    context.statCache,
    context.hasher,
  );
  if (damaged.length === 0) {
    const content = await storeManifest(store, contentManifest(manifest));
    return { ok: true, artifact: { digest, content, manifest, tree } };
  }
  for (const file of damaged) {
    const entry = manifest.files.find((f) => f.path === file.path);
    if (entry && entry.external === undefined) await store.remove(entry.digest);
  }
  await removeTree(tree);
  return { ok: false, damaged };
}
