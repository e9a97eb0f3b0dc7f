import { MetricsError } from "./metrics_error.ts";

/** Throws unless `classes` is a positive integer. */
export function checkClasses(action: string, classes: number): void {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new MetricsError(
      `Cannot ${action}: classes is "${classes}"`,
      { input: "classes" },
      "give the number of classes as a positive integer",
    );
  }
}

/**
 * Throws unless `scores` holds `rows × classes` numbers and none is NaN.
 * Returns the number of rows.
 */
export function checkScores(
  action: string,
  scores: ArrayLike<number>,
  classes: number,
): number {
  checkClasses(action, classes);
  if (scores.length % classes !== 0) {
    throw new MetricsError(
      `Cannot ${action}: scores has "${scores.length}" values, not a multiple of "${classes}" classes`,
      { input: "scores" },
      "scores is a row-major queries × classes matrix",
    );
  }
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) {
      throw new MetricsError(
        `Cannot ${action}: score of query "${
          Math.floor(i / classes)
        }", class "${i % classes}" is NaN`,
        { input: "scores", query: Math.floor(i / classes), class: i % classes },
        "a NaN usually comes from a diverged model or a zero-norm embedding",
      );
    }
  }
  return scores.length / classes;
}

/** Throws unless `labels` has `rows` integers in [0, classes). */
export function checkLabels(
  action: string,
  input: string,
  labels: ArrayLike<number>,
  rows: number,
  classes: number,
): void {
  if (labels.length !== rows) {
    throw new MetricsError(
      `Cannot ${action}: ${input} has "${labels.length}" labels for "${rows}" rows`,
      { input },
      `give one ${input} label per row`,
    );
  }
  for (let i = 0; i < rows; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new MetricsError(
        `Cannot ${action}: ${input}[${i}] is "${label}", outside [0, ${classes})`,
        { input, query: i },
        "labels are class indices from 0 to classes - 1",
      );
    }
  }
}
