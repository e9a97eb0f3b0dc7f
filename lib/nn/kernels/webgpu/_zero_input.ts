/**
 * Whether a kernel input is all zeros while still on the CPU: tfjs fills the
 * gradients of unused outputs (a BatchNorm's mean and variance, a SiLU's
 * sigmoid) with fresh zero tensors, which a kernel can skip instead of
 * uploading them every step.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";

/** True when `t` is absent, or its values are on the CPU only and all zero. */
export function isCpuZeros(
  backend: WebGpuBackend,
  t: tf.TensorInfo | undefined,
): boolean {
  if (t === undefined) return true;
  const data = backend.tensorMap.get(t.dataId);
  if (data.resource !== null || data.values == null) return false;
  const values = data.values as ArrayLike<number>;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) return false;
  return true;
}
