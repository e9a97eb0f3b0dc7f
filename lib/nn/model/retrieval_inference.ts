/**
 * Evaluation views of a model from {@linkcode buildRetrievalModel}: an
 * image → embedding model and the margin-free logits, sharing the training
 * model's weights (nothing is copied, so they follow further training).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { ArcMarginProduct } from "./arcface.ts";
import { RETRIEVAL_LAYERS } from "./retrieval_model.ts";

type Sym = tfl.SymbolicTensor;

/** What evaluation calls. */
export interface RetrievalInference {
  /** The head kind found in the model. */
  head: "arcface" | "softmax";
  /** image `[B, S, S, 3]` → embedding `[B, D]` (pooled, or the neck's output). */
  embedding: tfl.LayersModel;
  /** Margin-free logits `[B, n]` from embeddings: `s·cos` for ArcFace (`cos` when `scaled` is false), the dense layer for softmax. */
  logits(embeddings: tf.Tensor2D, scaled?: boolean): tf.Tensor2D;
  /** Embeddings and margin-free logits of a batch of images, in inference mode. */
  predict(
    images: tf.Tensor4D,
  ): { embeddings: tf.Tensor2D; logits: tf.Tensor2D };
  /** The ArcFace layer, when the head is ArcFace (its training logits, its margin scale). */
  arc?: ArcMarginProduct;
}

/**
 * Finds the head of a retrieval model and returns its evaluation views.
 *
 * @throws {TypeError} when the model has neither an `arc_margin` nor a `logits` layer
 */
export function retrievalInference(model: tfl.LayersModel): RetrievalInference {
  const arc = model.layers.find((layer) => layer instanceof ArcMarginProduct) as
    | ArcMarginProduct
    | undefined;
  const dense = arc
    ? undefined
    : model.layers.find((layer) => layer.name === RETRIEVAL_LAYERS.softmax);
  const head = arc ?? dense;
  if (head === undefined) {
    throw new TypeError(
      `Cannot find the head of model "${model.name}": it has no ArcMarginProduct and no "${RETRIEVAL_LAYERS.softmax}" layer`,
    );
  }
  const headInput = head.input;
  const features = (Array.isArray(headInput) ? headInput[0] : headInput) as Sym;
  const embedding = tfl.model({
    inputs: model.inputs[0],
    outputs: features,
    name: `${model.name}-embedding`,
  });
  const logits = (embeddings: tf.Tensor2D, scaled = true): tf.Tensor2D =>
    arc
      ? arc.logits(embeddings, scaled)
      : (dense!.apply(embeddings) as tf.Tensor2D);
  return {
    head: arc ? "arcface" : "softmax",
    arc,
    embedding,
    logits,
    predict(images) {
      const embeddings = embedding.apply(images, {
        training: false,
      }) as tf.Tensor2D;
      return { embeddings, logits: logits(embeddings) };
    },
  };
}
