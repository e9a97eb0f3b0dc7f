/**
 * Test helper: selects tfjs's cpu backend (the reference implementation the
 * other backends are checked against).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
// Registers the gradients of every core op (tfjs-core alone does not).
import "@tensorflow/tfjs-layers";

await tf.setBackend("cpu");

/** Reads a tensor's values as a plain array. */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}
