import { checkClasses, checkLabels } from "./_validate.ts";

/** The accuracy on the queries of one true class. */
export interface ClassAccuracy {
  /** The class index. */
  label: number;
  /** Its display name, or null when none was given. */
  name: string | null;
  /** Queries of this class. */
  count: number;
  /** Of those, how many were predicted as this class. */
  correct: number;
  /** correct / count, or null when the class has no queries. */
  accuracy: number | null;
}

/** Options of {@linkcode perClassAccuracy}. */
export interface PerClassAccuracyOptions {
  /** The predicted class of each query. */
  predicted: ArrayLike<number>;
  /** The true class of each query. */
  truth: ArrayLike<number>;
  /** The number of classes. */
  classes: number;
  /** A name per class (null entries allowed). @default no names */
  names?: ArrayLike<string | null>;
}

/**
 * Accuracy per true class (top-1 recall of each class), one entry per class
 * in class order, including classes without queries (accuracy null).
 *
 * @throws {MetricsError} on length mismatches or labels out of range
 */
export function perClassAccuracy(
  options: PerClassAccuracyOptions,
): ClassAccuracy[] {
  const { predicted, truth, classes, names } = options;
  const action = "compute per-class accuracy";
  checkClasses(action, classes);
  checkLabels(action, "truth", truth, truth.length, classes);
  checkLabels(action, "predicted", predicted, truth.length, classes);
  const count = new Float64Array(classes);
  const correct = new Float64Array(classes);
  for (let q = 0; q < truth.length; q++) {
    count[truth[q]]++;
    if (predicted[q] === truth[q]) correct[truth[q]]++;
  }
  return Array.from({ length: classes }, (_, label) => ({
    label,
    name: names?.[label] ?? null,
    count: count[label],
    correct: correct[label],
    accuracy: count[label] > 0 ? correct[label] / count[label] : null,
  }));
}
