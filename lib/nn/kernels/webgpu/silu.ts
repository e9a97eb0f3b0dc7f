/**
 * The fused SiLU pair ("ArcfaceSilu", "ArcfaceSiluGrad", see
 * ../fused_swish.ts) on WebGPU, one dispatch each; tfjs-layers' swish is
 * three dispatches forward and about seven backward.
 *
 *     s = sigmoid(x),  y = x·s
 *     dx = dy·s·(1 + x·(1 − s)) + ds·s·(1 − s)
 *
 * (ds, the gradient of the sigmoid output, is zero unless something used it,
 * and is then skipped).
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
import { isCpuZeros } from "./_zero_input.ts";

const INDEX = `let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i >= u.size) { return; }`;
const PARAMS =
  "@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>";

/** `[y, sigmoid(x)]`. */
export function silu(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
): tf.TensorInfo[] {
  const size = x.shape.reduce((a, b) => a * b, 1);
  const y = makeOutput(backend, x.shape), s = makeOutput(backend, x.shape);
  if (size === 0) return [y, s];
  const uniforms: Record<string, UniformField> = { size: ["i32", size] };
  runShader(backend, {
    key: "silu",
    label: "ArcfaceSilu",
    code: () => `
${uniformStruct(uniforms)}
${storageBindings([["y", "rw"], ["s", "rw"], ["x", "r"]])}
@compute @workgroup_size(256)
fn main(${PARAMS}) {
  ${INDEX}
  let v = x[i];
  let sv = 1.0 / (1.0 + exp(-v));
  s[i] = sv;
  y[i] = v * sv;
}`,
    buffers: [y, s, x],
    uniforms,
    workgroups: grid(size, 256),
  });
  return [y, s];
}

/** dx from dy, ds (may be absent), x and s. */
export function siluGrad(
  backend: WebGpuBackend,
  dy: tf.TensorInfo,
  ds: tf.TensorInfo | undefined,
  x: tf.TensorInfo,
  s: tf.TensorInfo,
): tf.TensorInfo {
  const size = x.shape.reduce((a, b) => a * b, 1);
  const dx = makeOutput(backend, x.shape);
  if (size === 0) return dx;
  const withDs = !isCpuZeros(backend, ds);
  const uniforms: Record<string, UniformField> = { size: ["i32", size] };
  runShader(backend, {
    key: `silu_grad_${withDs}`,
    label: "ArcfaceSiluGrad",
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["dx", "rw"],
        ["dy", "r"],
        ["x", "r"],
        ["s", "r"],
        ...(withDs ? [["ds", "r"] as const] : []),
      ])
    }
@compute @workgroup_size(256)
fn main(${PARAMS}) {
  ${INDEX}
  let sv = s[i];
  var g = dy[i] * sv * (1.0 + x[i] * (1.0 - sv));
  ${withDs ? "g += ds[i] * sv * (1.0 - sv);" : ""}
  dx[i] = g;
}`,
    buffers: [dx, dy, x, s, ...(withDs ? [ds!] : [])],
    uniforms,
    workgroups: grid(size, 256),
  });
  return dx;
}
