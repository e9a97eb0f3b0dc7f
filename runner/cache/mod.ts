/**
 * The cache wing: everything the runner keeps between runs. The object store
 * (content-addressed files), manifests and materialised trees (an artifact is
 * a manifest), the action cache (run records keyed by a stage's cache key,
 * and heads per pipeline file), the stat cache that skips re-hashing
 * unchanged files, stale reasons, stage and store locks, mid-stage
 * checkpoints, the `outputs/<stage>` links and garbage collection.
 *
 * It knows nothing of pipeline files, stage processes or scheduling. It may
 * import the runner's base (`../*.ts`) and nothing else of the runner.
 *
 * @module
 */
export { type ArtifactRef, checkArtifact } from "./artifact.ts";
export { cacheKey, type Facets, runtimeFacts } from "./cache_key.ts";
export {
  collectGarbage,
  type GcReport,
  type GcTarget,
} from "./collect_garbage.ts";
export type { Digest } from "./digest.ts";
export { formatReason, type StaleReason } from "./stale_reasons.ts";
export { Store } from "./store.ts";
