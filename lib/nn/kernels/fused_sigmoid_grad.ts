/**
 * The sigmoid's gradient as one kernel, for backends that register it
 * (webgpu: webgpu/sigmoid_grad.ts): {@linkcode registerFusedSigmoidGrad}
 * wraps tfjs's gradient of `Sigmoid`, which stays what every other backend
 * runs, with the same maths `dy·y·(1 − y)`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** Kernel name: inputs {dy, y}, output dx. */
export const SIGMOID_GRAD = "ArcfaceSigmoidGrad";

const OURS = Symbol.for("@arcface/pipeline/nn/fused-sigmoid-grad");

/** Routes the gradient of `Sigmoid` to the fused kernel where the backend has it (idempotent). */
export function registerFusedSigmoidGrad(): void {
  const original = tf.getGradient(tf.Sigmoid);
  if (original === undefined) {
    throw new Error(
      'Cannot wrap the gradient of "Sigmoid": none is registered (import "@tensorflow/tfjs-layers" first)',
    );
  }
  if ((original.gradFunc as { [OURS]?: boolean })[OURS]) return;
  const gradFunc: tf.GradFunc = (dy, saved, attrs) => {
    if (tf.getKernel(SIGMOID_GRAD, tf.getBackend()) === undefined) {
      return original.gradFunc(dy, saved, attrs);
    }
    const [y] = saved;
    return {
      x: () =>
        tf.engine().runKernel(SIGMOID_GRAD, {
          dy: dy as tf.Tensor,
          y,
        }) as tf.Tensor,
    };
  };
  Object.defineProperty(gradFunc, OURS, { value: true });
  tf.registerGradient({ ...original, gradFunc });
}
