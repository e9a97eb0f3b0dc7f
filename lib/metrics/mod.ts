/**
 * Evaluation metrics for retrieval / recognition models: top-k accuracy
 * from score matrices, Global Average Precision (the Google Landmark
 * Recognition metric), cosine kNN prediction, per-class accuracy and the
 * confusion matrix. Plain typed arrays in, plain values out; no tfjs.
 *
 * @example Metrics of a classifier's cosine logits
 * ```ts
 * import { computeMetrics } from "./mod.ts";
 *
 * const metrics = computeMetrics({
 *   scores: new Float32Array([0.9, 0.1, 0.2, 0.3, 0.6, 0.1]), // 2 queries × 3 classes
 *   truth: [0, 2],
 *   classes: 3,
 *   ks: [1, 10],
 * });
 * // metrics.topk → { "1": 0.5, "3": 1 }
 * ```
 *
 * @module
 */
export { argmaxPredictions } from "./argmax_predictions.ts";
export type { Predictions } from "./argmax_predictions.ts";
export { computeMetrics, metricsFromRanks } from "./compute_metrics.ts";
export type {
  ComputeMetricsOptions,
  MetricsFromRanksOptions,
  PredictionMetrics,
} from "./compute_metrics.ts";
export { confusionMatrix } from "./confusion_matrix.ts";
export type { ConfusionMatrixOptions } from "./confusion_matrix.ts";
export { globalAveragePrecision } from "./global_average_precision.ts";
export type { GlobalAveragePrecisionOptions } from "./global_average_precision.ts";
export { KNN_VOTINGS, knnPredict } from "./knn_predict.ts";
export type {
  KnnPredictions,
  KnnPredictOptions,
  KnnVoting,
} from "./knn_predict.ts";
export { MetricsError } from "./metrics_error.ts";
export type { MetricsLocation } from "./metrics_error.ts";
export { perClassAccuracy } from "./per_class_accuracy.ts";
export type {
  ClassAccuracy,
  PerClassAccuracyOptions,
} from "./per_class_accuracy.ts";
export {
  capTopK,
  topKAccuracy,
  topKAccuracyFromRanks,
} from "./top_k_accuracy.ts";
export type {
  TopKAccuracy,
  TopKAccuracyFromRanksOptions,
  TopKAccuracyOptions,
} from "./top_k_accuracy.ts";
export { trueLabelRanks } from "./true_label_ranks.ts";
export type { TrueLabelRanksOptions } from "./true_label_ranks.ts";
