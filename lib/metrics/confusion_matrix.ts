import { checkClasses, checkLabels } from "./_validate.ts";

/** Options of {@linkcode confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /** The predicted class of each query. */
  predicted: ArrayLike<number>;
  /** The true class of each query. */
  truth: ArrayLike<number>;
  /** The number of classes. */
  classes: number;
  /** Above this many classes the matrix is not built. @default 50 */
  maxClasses?: number;
}

/**
 * Counts of (true class, predicted class) pairs: `matrix[t][p]`, rows are
 * the true class, columns the prediction. Returns null when there are more
 * than `maxClasses` classes, where the matrix would be too large to read.
 *
 * @throws {MetricsError} on length mismatches or labels out of range
 */
export function confusionMatrix(
  options: ConfusionMatrixOptions,
): number[][] | null {
  const { predicted, truth, classes, maxClasses = 50 } = options;
  const action = "build the confusion matrix";
  checkClasses(action, classes);
  if (classes > maxClasses) return null;
  checkLabels(action, "truth", truth, truth.length, classes);
  checkLabels(action, "predicted", predicted, truth.length, classes);
  const matrix = Array.from(
    { length: classes },
    () => new Array<number>(classes).fill(0),
  );
  for (let q = 0; q < truth.length; q++) matrix[truth[q]][predicted[q]]++;
  return matrix;
}
