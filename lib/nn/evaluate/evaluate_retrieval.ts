/**
 * Evaluation of a retrieval model on a dataset's holdout split: the
 * classifier (margin-free logits) and kNN over the train embeddings, both
 * scored with lib/metrics. Scores are reduced batch by batch to true-label
 * ranks and top-1 predictions, so memory grows with the number of images,
 * never with images × classes.
 *
 * @module
 */
import type { ImageDataset } from "../../image/image_dataset.ts";
import {
  argmaxPredictions,
  knnPredict,
  type KnnVoting,
  metricsFromRanks,
  type PredictionMetrics,
  trueLabelRanks,
} from "../../metrics/mod.ts";
import type { Predictor } from "./predict_batches.ts";

/** metrics.json. */
export interface RetrievalMetrics {
  /** The split evaluated. */
  split: "holdout";
  /** Holdout images. */
  queries: number;
  /** Classes. */
  classes: number;
  /** Class names (or ids) by label. */
  labels: (string | null)[];
  /** The classifier: argmax of the margin-free logits. */
  classifier: PredictionMetrics;
  /** kNN over the train embeddings, when asked for. */
  knn?: PredictionMetrics & { k: number; voting: KnnVoting };
}

/** Options of {@linkcode evaluateRetrieval}. */
export interface EvaluateRetrievalOptions {
  /** The trained model's predictions (see `modelPredictor`, or a trainer's `predict`). */
  predict: Predictor;
  /** The dataset (its holdout split is evaluated; its train split is the kNN index). */
  data: ImageDataset;
  /** Images per inference batch. */
  batchSize: number;
  /** k values of top-k accuracy. */
  ks: readonly number[];
  /** kNN settings; no kNN when absent. */
  knn?: { k: number; voting: KnnVoting };
  /** Queries per kNN chunk (bounds the chunk × classes score block). @default 256 */
  knnChunk?: number;
  /** Called with the number of images embedded after each batch. */
  onImages?(count: number): void;
}

/** Evaluates the model on the holdout split. */
export async function evaluateRetrieval(
  options: EvaluateRetrievalOptions,
): Promise<RetrievalMetrics> {
  const { data, predict, ks } = options;
  const classes = data.classes;
  const names = data.labels.map((l) =>
    l.name ?? (l.id === undefined ? null : String(l.id))
  );
  const queries = data.counts.holdout;
  if (queries === 0) {
    throw new RangeError("Cannot evaluate: the holdout split is empty");
  }

  const truth = new Int32Array(queries);
  const ranks = new Int32Array(queries);
  const label = new Int32Array(queries);
  const confidence = new Float32Array(queries);
  let embeddings: Float32Array | undefined;
  let dim = 0;
  let at = 0;
  const holdout = data.batches({
    split: "holdout",
    epoch: 0,
    batchSize: options.batchSize,
    seed: 0,
    mode: "eval",
  });
  const pixels = data.imgSize * data.imgSize * 3;
  for await (const batch of holdout) {
    const out = await predict(batch.images.subarray(0, batch.size * pixels));
    const batchTruth = batch.labels.subarray(0, batch.size);
    dim = out.dims;
    embeddings ??= new Float32Array(queries * dim);
    embeddings.set(out.embeddings, at * dim);
    truth.set(batchTruth, at);
    ranks.set(
      trueLabelRanks({ scores: out.logits, truth: batchTruth, classes }),
      at,
    );
    const top = argmaxPredictions(out.logits, classes);
    label.set(top.label, at);
    confidence.set(top.confidence, at);
    at += batch.size;
    options.onImages?.(batch.size);
  }
  const classifier = metricsFromRanks({
    ranks,
    predictions: { label, confidence },
    truth,
    classes,
    ks,
    names,
  });
  const result: RetrievalMetrics = {
    split: "holdout",
    queries,
    classes,
    labels: names,
    classifier,
  };
  if (!options.knn) return result;

  const trainCount = data.counts.train;
  const train = new Float32Array(trainCount * dim);
  const trainLabels = new Int32Array(trainCount);
  let t = 0;
  const trainBatches = data.batches({
    split: "train",
    epoch: 0,
    batchSize: options.batchSize,
    seed: 0,
    mode: "eval",
  });
  for await (const batch of trainBatches) {
    const out = await predict(batch.images.subarray(0, batch.size * pixels));
    train.set(out.embeddings, t * dim);
    trainLabels.set(batch.labels.subarray(0, batch.size), t);
    t += batch.size;
    options.onImages?.(batch.size);
  }
  const chunk = options.knnChunk ?? 256;
  const knnRanks = new Int32Array(queries);
  const knnLabel = new Int32Array(queries);
  const knnConfidence = new Float32Array(queries);
  for (let start = 0; start < queries; start += chunk) {
    const end = Math.min(queries, start + chunk);
    const predicted = await knnPredict({
      queries: embeddings!.subarray(start * dim, end * dim),
      train,
      trainLabels,
      dim,
      classes,
      k: options.knn.k,
      voting: options.knn.voting,
    });
    knnRanks.set(
      trueLabelRanks({
        scores: predicted.scores!,
        truth: truth.subarray(start, end),
        classes,
      }),
      start,
    );
    knnLabel.set(predicted.label, start);
    knnConfidence.set(predicted.confidence, start);
  }
  result.knn = {
    ...metricsFromRanks({
      ranks: knnRanks,
      predictions: { label: knnLabel, confidence: knnConfidence },
      truth,
      classes,
      ks,
      names,
    }),
    k: options.knn.k,
    voting: options.knn.voting,
  };
  return result;
}
