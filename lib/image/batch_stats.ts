/**
 * The notebook's sanity check of a batch: pixel mean, std, min and max
 * (after normalisation) and the label range.
 *
 * @module
 */
import type { Batch } from "./image_dataset.ts";

/** Statistics of one batch (the decode artifact's batch_stats.json). */
export interface BatchStats {
  /** [B, S, S, 3]. */
  shape: [number, number, number, number];
  /** Mean of all values. */
  mean: number;
  /** Population standard deviation of all values. */
  std: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Smallest label. */
  labelMin: number;
  /** Largest label. */
  labelMax: number;
}

/**
 * Computes {@linkcode BatchStats} of a batch of side `imgSize`.
 *
 * @example
 * ```ts
 * import { batchStats } from "./batch_stats.ts";
 * const stats = batchStats({ step: 0, size: 1, images: new Float32Array([1, 2, 3]),
 *   labels: Int32Array.of(4), records: Int32Array.of(0) }, 1);
 * if (stats.mean !== 2 || stats.labelMax !== 4) throw new Error();
 * ```
 */
export function batchStats(batch: Batch, imgSize: number): BatchStats {
  const x = batch.images;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / x.length;
  let squares = 0;
  for (let i = 0; i < x.length; i++) squares += (x[i] - mean) ** 2;
  return {
    shape: [batch.size, imgSize, imgSize, 3],
    mean,
    std: Math.sqrt(squares / x.length),
    min,
    max,
    labelMin: Math.min(...batch.labels),
    labelMax: Math.max(...batch.labels),
  };
}
