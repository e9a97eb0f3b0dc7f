/**
 * Test helper: one plain training step (softmax cross-entropy on the model's
 * logits, gradients of the model's trainable weights, optimizer update), the
 * way the train stage runs it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** Runs one step and returns the loss. */
export function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  classes: number,
): number {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.apply([images, labels], {
      training: true,
    }) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(
      tf.oneHot(labels, classes),
      logits,
    ) as tf.Scalar;
  }, variables);
  optimizer.applyGradients(grads);
  const loss = value.dataSync()[0];
  tf.dispose([value, grads]);
  return loss;
}

/** A deterministic batch. */
export function batch(
  seed: number,
  size: number,
  imgSize: number,
  classes: number,
) {
  return {
    images: tf.randomUniform(
      [size, imgSize, imgSize, 3],
      -1,
      1,
      "float32",
      seed,
    ) as tf.Tensor4D,
    labels: tf.tensor1d(
      Array.from({ length: size }, (_, i) => (i + seed) % classes),
      "int32",
    ),
  };
}
