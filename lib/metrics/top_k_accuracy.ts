import { MetricsError } from "./metrics_error.ts";
import { trueLabelRanks } from "./true_label_ranks.ts";
import type { TrueLabelRanksOptions } from "./true_label_ranks.ts";

/** Top-k accuracy by k (as a string key, ascending), each a fraction in [0, 1]. */
export type TopKAccuracy = Record<string, number>;

/**
 * The k values that make sense for `classes` classes: each requested k capped
 * at the class count, duplicates removed, ascending. For 10 classes,
 * `[1, 10, 100, 1000]` becomes `[1, 10]`.
 *
 * @throws {MetricsError} when `ks` is empty or holds a k that is not a positive integer
 */
export function capTopK(ks: readonly number[], classes: number): number[] {
  if (ks.length === 0) {
    throw new MetricsError(
      "Cannot compute top-k accuracy: no k given",
      { input: "ks" },
      "ask for at least one k, e.g. [1, 10]",
    );
  }
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) {
      throw new MetricsError(
        `Cannot compute top-k accuracy: k is "${k}"`,
        { input: "ks" },
        "each k is a positive integer",
      );
    }
  }
  return [...new Set(ks.map((k) => Math.min(k, classes)))].sort((a, b) =>
    a - b
  );
}

/** Options of {@linkcode topKAccuracyFromRanks}. */
export interface TopKAccuracyFromRanksOptions {
  /** 0-based rank of each query's true class, from {@linkcode trueLabelRanks}. */
  ranks: ArrayLike<number>;
  /** The k values wanted; capped at `classes` by {@linkcode capTopK}. */
  ks: readonly number[];
  /** The number of classes. */
  classes: number;
}

/**
 * Top-k accuracy from true-label ranks: the fraction of queries whose rank
 * is below k. Keys are the capped k values.
 *
 * @throws {MetricsError} when there are no queries or a k is invalid
 */
export function topKAccuracyFromRanks(
  options: TopKAccuracyFromRanksOptions,
): TopKAccuracy {
  const { ranks, classes } = options;
  const ks = capTopK(options.ks, classes);
  if (ranks.length === 0) {
    throw new MetricsError(
      "Cannot compute top-k accuracy: there are no queries",
      { input: "ranks" },
    );
  }
  // hits[r] = number of queries at rank r (ranks are < classes).
  const hits = new Float64Array(classes);
  for (let i = 0; i < ranks.length; i++) hits[ranks[i]]++;
  const result: TopKAccuracy = {};
  let cumulative = 0;
  let r = 0;
  for (const k of ks) {
    for (; r < k; r++) cumulative += hits[r];
    result[String(k)] = cumulative / ranks.length;
  }
  return result;
}

/** Options of {@linkcode topKAccuracy}. */
export interface TopKAccuracyOptions extends TrueLabelRanksOptions {
  /** The k values wanted; capped at `classes` by {@linkcode capTopK}. */
  ks: readonly number[];
}

/**
 * Top-k accuracy of a score matrix: a query is a hit at k when its true
 * class is among the k highest-scored classes, ties broken by class index
 * (see {@linkcode trueLabelRanks}).
 *
 * @example Two queries, three classes
 * ```ts
 * import { topKAccuracy } from "./top_k_accuracy.ts";
 *
 * const scores = new Float32Array([0.1, 0.7, 0.2, 0.5, 0.3, 0.2]);
 * const acc = topKAccuracy({ scores, truth: [1, 2], classes: 3, ks: [1, 2, 5] });
 * // { "1": 0.5, "2": 0.5, "3": 1 }
 * ```
 *
 * @throws {MetricsError} on bad shapes, labels, scores or k values
 */
export function topKAccuracy(options: TopKAccuracyOptions): TopKAccuracy {
  return topKAccuracyFromRanks({
    ranks: trueLabelRanks(options),
    ks: options.ks,
    classes: options.classes,
  });
}
