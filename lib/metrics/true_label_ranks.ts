import { checkLabels, checkScores } from "./_validate.ts";

/** Options of {@linkcode trueLabelRanks}. */
export interface TrueLabelRanksOptions {
  /** Row-major queries × classes scores (logits, similarities, votes). */
  scores: ArrayLike<number>;
  /** The true class of each query. */
  truth: ArrayLike<number>;
  /** The number of classes (columns of `scores`). */
  classes: number;
}

/**
 * The 0-based rank of each query's true class among all classes, ordered by
 * score descending. Ties are broken by class index ascending, exactly as a
 * stable sort of the classes by descending score would order them, and as
 * {@linkcode argmaxPredictions} picks its label: a tied true class counts
 * as ranked above a tied competitor only when its index is lower. So a model
 * that scores every class alike gets rank = true class index, never a free
 * hit. `-Infinity` is an ordinary (lowest) score; NaN is rejected.
 *
 * Rank r means the query is a top-k hit for every k > r. Rows are
 * independent, so callers may rank a large score matrix chunk by chunk.
 *
 * @throws {MetricsError} on a shape mismatch, a NaN score or a label out of range
 */
export function trueLabelRanks(options: TrueLabelRanksOptions): Int32Array {
  const { scores, truth, classes } = options;
  const action = "rank the true labels";
  const rows = checkScores(action, scores, classes);
  checkLabels(action, "truth", truth, rows, classes);
  const ranks = new Int32Array(rows);
  for (let q = 0; q < rows; q++) {
    const base = q * classes;
    const y = truth[q];
    const target = scores[base + y];
    let rank = 0;
    for (let c = 0; c < classes; c++) {
      const s = scores[base + c];
      if (s > target || (s === target && c < y)) rank++;
    }
    ranks[q] = rank;
  }
  return ranks;
}
