import { argmaxPredictions } from "./argmax_predictions.ts";
import type { Predictions } from "./argmax_predictions.ts";
import { confusionMatrix } from "./confusion_matrix.ts";
import { globalAveragePrecision } from "./global_average_precision.ts";
import { perClassAccuracy } from "./per_class_accuracy.ts";
import type { ClassAccuracy } from "./per_class_accuracy.ts";
import { topKAccuracyFromRanks } from "./top_k_accuracy.ts";
import { trueLabelRanks } from "./true_label_ranks.ts";
import type { TopKAccuracy } from "./top_k_accuracy.ts";

/** The metrics of one predictor: the `classifier` / `knn` block of evaluate's metrics.json. */
export interface PredictionMetrics {
  /** Top-k accuracy by capped k. */
  topk: TopKAccuracy;
  /** Global Average Precision of the top-1 predictions. */
  gap: number;
  /** Accuracy per true class, in class order. */
  perClass: ClassAccuracy[];
  /** Rows = true class, columns = predicted; null above `maxConfusionClasses` classes. */
  confusion: number[][] | null;
}

/** Options of {@linkcode computeMetrics}. */
export interface ComputeMetricsOptions {
  /** Row-major queries × classes ranking scores (cosine logits, kNN scores). */
  scores: ArrayLike<number>;
  /** The true class of each query. */
  truth: ArrayLike<number>;
  /** The number of classes. */
  classes: number;
  /** The k values for top-k accuracy (capped at `classes`). @default [1, 10, 100, 1000] */
  ks?: readonly number[];
  /** Top-1 predictions with confidences. @default argmaxPredictions(scores) */
  predictions?: Predictions;
  /** Class names for perClass. @default no names */
  names?: ArrayLike<string | null>;
  /** The confusion matrix is built up to this many classes. @default 50 */
  maxConfusionClasses?: number;
}

/**
 * Every metric of one predictor from its score matrix: top-k accuracy, GAP
 * (every query here has a landmark, so M = N), per-class accuracy and the
 * confusion matrix.
 *
 * @example The classifier and the kNN blocks of metrics.json
 * ```ts
 * import { computeMetrics, knnPredict } from "./mod.ts";
 *
 * const truth = [0, 1];
 * const classifier = computeMetrics({
 *   scores: new Float32Array([0.9, 0.1, 0.4, 0.6]),
 *   truth,
 *   classes: 2,
 * });
 * const knn = await knnPredict({
 *   queries: new Float32Array([1, 0, 0, 1]),
 *   train: new Float32Array([1, 0.1, 0.1, 1]),
 *   trainLabels: [0, 1],
 *   dim: 2,
 *   classes: 2,
 *   k: 1,
 * });
 * const knnMetrics = computeMetrics({
 *   scores: knn.scores!,
 *   predictions: knn,
 *   truth,
 *   classes: 2,
 * });
 * // classifier.topk["1"] === 1, knnMetrics.gap === 1
 * ```
 *
 * @throws {MetricsError} on bad shapes, labels or scores
 */
export function computeMetrics(
  options: ComputeMetricsOptions,
): PredictionMetrics {
  const { scores, truth, classes } = options;
  return metricsFromRanks({
    ranks: trueLabelRanks({ scores, truth, classes }),
    predictions: options.predictions ?? argmaxPredictions(scores, classes),
    truth,
    classes,
    ks: options.ks,
    names: options.names,
    maxConfusionClasses: options.maxConfusionClasses,
  });
}

/** Options of {@linkcode metricsFromRanks}. */
export interface MetricsFromRanksOptions
  extends Omit<ComputeMetricsOptions, "scores" | "predictions"> {
  /** 0-based rank of each query's true class ({@linkcode trueLabelRanks}). */
  ranks: ArrayLike<number>;
  /** Top-1 predictions with confidences. */
  predictions: Predictions;
}

/**
 * The same metrics as {@linkcode computeMetrics} from true-label ranks and
 * top-1 predictions, which can be gathered batch by batch: with 81,313
 * classes a holdout's full score matrix would not fit in memory.
 *
 * @throws {MetricsError} on bad shapes or labels
 */
export function metricsFromRanks(
  options: MetricsFromRanksOptions,
): PredictionMetrics {
  const {
    ranks,
    truth,
    classes,
    ks = [1, 10, 100, 1000],
    names,
    maxConfusionClasses = 50,
  } = options;
  const predicted = options.predictions.label;
  return {
    topk: topKAccuracyFromRanks({ ranks, ks, classes }),
    gap: globalAveragePrecision({
      predicted,
      confidence: options.predictions.confidence,
      truth,
    }),
    perClass: perClassAccuracy({ predicted, truth, classes, names }),
    confusion: confusionMatrix({
      predicted,
      truth,
      classes,
      maxClasses: maxConfusionClasses,
    }),
  };
}
