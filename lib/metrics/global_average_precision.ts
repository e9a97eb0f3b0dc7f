import { MetricsError } from "./metrics_error.ts";

/** Options of {@linkcode globalAveragePrecision}. */
export interface GlobalAveragePrecisionOptions {
  /** The predicted class of each query; `null` when the system made no prediction for it. */
  predicted: ArrayLike<number | null>;
  /** The confidence of each query's prediction (ignored where `predicted` is null). */
  confidence: ArrayLike<number>;
  /** The true class of each query; `null` for a query that shows no landmark. */
  truth: ArrayLike<number | null>;
}

/**
 * Global Average Precision (micro-AP), the Google Landmark Recognition
 * metric:
 *
 *   GAP = (1/M) Σ_{i=1..N} P(i) · rel(i)
 *
 * with one (label, confidence) prediction per query, the N predictions
 * sorted by confidence descending (ties: query index ascending), P(i) the
 * precision of the first i predictions, rel(i) = 1 when prediction i is
 * correct, and M the number of queries that have a landmark (non-null
 * truth). A prediction for a query without a landmark is never correct but
 * still takes a rank, so it lowers P(i) of every prediction below it; a
 * query with a landmark but no prediction adds to M only.
 *
 * @example Three queries, one without a landmark
 * ```ts
 * import { globalAveragePrecision } from "./global_average_precision.ts";
 *
 * const gap = globalAveragePrecision({
 *   predicted: [3, 1, 2],
 *   confidence: [0.9, 0.8, 0.7],
 *   truth: [3, null, 2],
 * });
 * // sorted: q0 ✓ P=1/1, q1 ✗, q2 ✓ P=2/3 → (1 + 2/3) / 2 = 0.8333…
 * ```
 *
 * @throws {MetricsError} on length mismatches, NaN confidences, negative or
 *   fractional labels, or when no query has a landmark (M = 0)
 */
export function globalAveragePrecision(
  options: GlobalAveragePrecisionOptions,
): number {
  const { predicted, confidence, truth } = options;
  const action = "compute GAP";
  const n = truth.length;
  for (
    const [input, values] of [["predicted", predicted], [
      "confidence",
      confidence,
    ]] as const
  ) {
    if (values.length !== n) {
      throw new MetricsError(
        `Cannot ${action}: ${input} has "${values.length}" values for "${n}" queries`,
        { input },
        "give one value per query",
      );
    }
  }
  let landmarks = 0;
  const ranked: number[] = [];
  for (let q = 0; q < n; q++) {
    const t = truth[q];
    const p = predicted[q];
    for (const [input, label] of [["truth", t], ["predicted", p]] as const) {
      if (label !== null && (!Number.isInteger(label) || label < 0)) {
        throw new MetricsError(
          `Cannot ${action}: ${input}[${q}] is "${label}"`,
          { input, query: q },
          "labels are non-negative integers; use null for no landmark or no prediction",
        );
      }
    }
    if (t !== null) landmarks++;
    if (p === null) continue;
    if (Number.isNaN(confidence[q])) {
      throw new MetricsError(
        `Cannot ${action}: confidence[${q}] is NaN`,
        { input: "confidence", query: q },
      );
    }
    ranked.push(q);
  }
  if (landmarks === 0) {
    throw new MetricsError(
      `Cannot ${action}: none of the "${n}" queries has a landmark`,
      { input: "truth" },
      "GAP divides by the number of queries with a landmark",
    );
  }
  ranked.sort((a, b) => confidence[b] - confidence[a] || a - b);
  let correct = 0;
  let sum = 0;
  for (let i = 0; i < ranked.length; i++) {
    const q = ranked[i];
    if (truth[q] !== null && predicted[q] === truth[q]) {
      correct++;
      sum += correct / (i + 1);
    }
  }
  return sum / landmarks;
}
