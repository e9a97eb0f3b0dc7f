/**
 * Batched, leak-free inference for evaluation: each batch of images becomes
 * its embeddings and margin-free logits as plain Float32Arrays, with every
 * tensor disposed before the next batch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { retrievalInference } from "../model/retrieval_inference.ts";

/** A batch of normalised images. */
export interface ImageBatch {
  /** NHWC pixels (at least `size`·S·S·3 values). */
  images: Float32Array;
  /** Images in the batch. */
  size: number;
}

/** One batch's predictions. */
export interface BatchPrediction<B extends ImageBatch = ImageBatch> {
  /** The batch the predictions are of. */
  batch: B;
  /** `size` × `dim` embeddings. */
  embeddings: Float32Array;
  /** `size` × `classes` margin-free logits (s·cos for ArcFace); absent when not asked for. */
  logits?: Float32Array;
  /** Images in the batch. */
  size: number;
  /** Embedding width. */
  dim: number;
}

/** Options of {@linkcode predictBatches}. */
export interface PredictBatchesOptions {
  /** Image side S. */
  imgSize: number;
  /** Also compute the classifier's logits. @default true */
  logits?: boolean;
}

/** Runs the model over `batches` in inference mode. */
export async function* predictBatches<B extends ImageBatch>(
  model: tfl.LayersModel,
  batches: AsyncIterable<B>,
  options: PredictBatchesOptions,
): AsyncGenerator<BatchPrediction<B>> {
  const inference = retrievalInference(model);
  const side = options.imgSize;
  for await (const batch of batches) {
    const pixels = batch.images.subarray(0, batch.size * side * side * 3);
    const [embeddings, logits] = tf.tidy(() => {
      const input = tf.tensor4d(pixels, [batch.size, side, side, 3]);
      if (options.logits === false) {
        return [
          inference.embedding.apply(input, { training: false }) as tf.Tensor2D,
          undefined,
        ];
      }
      const out = inference.predict(input);
      return [out.embeddings, out.logits];
    });
    try {
      yield {
        batch,
        embeddings: await embeddings.data() as Float32Array,
        logits: logits ? await logits.data() as Float32Array : undefined,
        size: batch.size,
        dim: embeddings.shape[1],
      };
    } finally {
      embeddings.dispose();
      logits?.dispose();
    }
  }
}
