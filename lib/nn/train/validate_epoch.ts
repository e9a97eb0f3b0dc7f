/**
 * The holdout after an epoch: the trainer's current weights in inference
 * mode, scored as the evaluate stage scores the final model (classifier
 * top-1 and GAP, and kNN over the train embeddings when asked for).
 *
 * @module
 */
import type { ImageDataset } from "../../image/image_dataset.ts";
import type { KnnVoting } from "../../metrics/mod.ts";
import { evaluateRetrieval } from "../evaluate/evaluate_retrieval.ts";
import type { Predictor } from "../evaluate/predict_batches.ts";
import type { ValidationRecord } from "./epoch_record.ts";

/** Options of {@linkcode validateEpoch}. */
export interface ValidateEpochOptions {
  /** Predictions with the weights being trained (a trainer's `predict`). */
  predict: Predictor;
  /** The dataset: its holdout is scored, its train split is the kNN index. */
  data: ImageDataset;
  /** Images per inference batch. */
  batchSize: number;
  /** kNN settings; classifier only when absent. */
  knn?: { k: number; voting: KnnVoting };
}

/** Scores the holdout with the weights as they are now. */
export async function validateEpoch(
  options: ValidateEpochOptions,
): Promise<ValidationRecord> {
  const started = performance.now();
  const metrics = await evaluateRetrieval({
    predict: options.predict,
    data: options.data,
    batchSize: options.batchSize,
    ks: [1],
    knn: options.knn,
  });
  return {
    top1: metrics.classifier.topk["1"],
    gap: metrics.classifier.gap,
    ...(metrics.knn
      ? { knnTop1: metrics.knn.topk["1"], knnGap: metrics.knn.gap }
      : {}),
    seconds: (performance.now() - started) / 1000,
  };
}
