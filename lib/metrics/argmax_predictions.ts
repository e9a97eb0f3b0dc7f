import { checkScores } from "./_validate.ts";

/** One prediction per query: a label and a confidence used to rank queries. */
export interface Predictions {
  /** The predicted class of each query. */
  label: Int32Array;
  /** How sure the prediction is; higher ranks first in GAP. */
  confidence: Float32Array;
}

/**
 * The classifier's prediction for each query: the highest-scored class
 * (the lowest class index among equal scores) and that score as confidence.
 * For cosine logits (ArcFace at inference, no margin) the confidence is the
 * cosine to the predicted class centre.
 *
 * @param scores row-major queries × classes
 * @throws {MetricsError} on a shape mismatch or a NaN score
 */
export function argmaxPredictions(
  scores: ArrayLike<number>,
  classes: number,
): Predictions {
  const rows = checkScores("pick the highest score", scores, classes);
  const label = new Int32Array(rows);
  const confidence = new Float32Array(rows);
  for (let q = 0; q < rows; q++) {
    const base = q * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (scores[base + c] > scores[base + best]) best = c;
    }
    label[q] = best;
    confidence[q] = scores[base + best];
  }
  return { label, confidence };
}
