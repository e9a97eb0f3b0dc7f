/**
 * The sigmoid's gradient `dy·y·(1 − y)` ("ArcfaceSigmoidGrad", see
 * ../fused_sigmoid_grad.ts) on WebGPU in one dispatch; tfjs's gradient is
 * three ops (a squeeze-excite gate's, 16 times per EfficientNetV2-B0 step).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import {
  grid,
  makeOutput,
  runShader,
  storageBindings,
  type UniformField,
  uniformStruct,
} from "./_dispatcher.ts";

/** dx from dy and the sigmoid's output y. */
export function sigmoidGrad(
  backend: WebGpuBackend,
  dy: tf.TensorInfo,
  y: tf.TensorInfo,
): tf.TensorInfo {
  const size = y.shape.reduce((a, b) => a * b, 1);
  const dx = makeOutput(backend, y.shape);
  if (size === 0) return dx;
  const uniforms: Record<string, UniformField> = { size: ["i32", size] };
  runShader(backend, {
    key: "sigmoid_grad",
    label: "ArcfaceSigmoidGrad",
    code: () => `
${uniformStruct(uniforms)}
${storageBindings([["dx", "rw"], ["dy", "r"], ["y", "r"]])}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i >= u.size) { return; }
  let v = y[i];
  dx[i] = dy[i] * (v * (1.0 - v));
}`,
    buffers: [dx, dy, y],
    uniforms,
    workgroups: grid(size, 256),
  });
  return dx;
}
