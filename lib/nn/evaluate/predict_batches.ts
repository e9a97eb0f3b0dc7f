/**
 * What evaluation needs of a model: embeddings and margin-free logits of a
 * batch of images, in inference mode. {@linkcode modelPredictor} gives them
 * for a model in this thread; a trainer's `predict` gives them for the model
 * it trains (in its workers).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { retrievalInference } from "../model/retrieval_inference.ts";

/** Embeddings and margin-free logits of a batch. */
export interface Prediction {
  /** `[n, dims]`, row-major. */
  embeddings: Float32Array;
  /** `[n, classes]`, row-major (`s·cos` for ArcFace). */
  logits: Float32Array;
  /** Embedding size. */
  dims: number;
}

/** Predicts `images` (`[n, S, S, 3]`, flattened, normalised). */
export type Predictor = (images: Float32Array) => Promise<Prediction>;

/** A predictor over `model` in this thread. */
export function modelPredictor(
  model: tfl.LayersModel,
  imgSize: number,
): Predictor {
  const inference = retrievalInference(model);
  return async (images) => {
    const n = images.length / (imgSize * imgSize * 3);
    const out = tf.tidy(() =>
      inference.predict(tf.tensor4d(images, [n, imgSize, imgSize, 3]))
    );
    try {
      return {
        embeddings: await out.embeddings.data() as Float32Array,
        logits: await out.logits.data() as Float32Array,
        dims: out.embeddings.shape[1],
      };
    } finally {
      tf.dispose([out.embeddings, out.logits]);
    }
  };
}
