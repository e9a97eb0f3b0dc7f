/**
 * How many data-parallel Workers the CPU backends get.
 *
 * @module
 */

/** Replicas to use: `auto` is one per core, at most 8, and only on the CPU backends (wasm, cpu). */
export function replicaCount(
  requested: number | "auto",
  backend: string,
): number {
  if (requested !== "auto") return requested;
  if (backend !== "wasm" && backend !== "cpu") return 1;
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 1));
}
