/**
 * `Sum` and `Mean` over a block of leading or middle axes of a float32
 * tensor whose last axis is kept — the global average pooling of a
 * squeeze-excite block (`[B, H, W, C]` over H, W) and the bias and
 * broadcast gradients (`[B, H, W, C]` over B, H, W) — as one dispatch: an
 * invocation per output element adds its R inputs in order, consecutive
 * invocations on consecutive channels. tfjs-webgpu 4.22 transposes the
 * reduced axes last first (two or three dispatches). Longer reductions than
 * {@linkcode MAX_ROWS} and other axes go to tfjs's kernels.
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

/** Most inputs one invocation adds. */
export const MAX_ROWS = 4096;

/** The sum (or mean) of `x` over `axis`, or undefined when not handled here. */
export function reduceRows(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
  attrs: { axis: number | number[] | null; keepDims: boolean },
  mean: boolean,
): tf.TensorInfo | undefined {
  const rank = x.shape.length;
  // No axis: all of them (then the last is reduced too: tfjs's kernel).
  const given = attrs.axis == null
    ? x.shape.map((_, i) => i)
    : Array.isArray(attrs.axis)
    ? attrs.axis
    : [attrs.axis];
  const axes = [...new Set(given.map((a) => (a < 0 ? a + rank : a)))].sort((
    a,
    b,
  ) => a - b);
  const first = axes[0], last = axes[axes.length - 1];
  if (
    x.dtype !== "float32" || axes.length === 0 || last >= rank - 1 ||
    last - first + 1 !== axes.length
  ) {
    return undefined;
  }
  const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const outer = product(x.shape.slice(0, first));
  const rows = product(x.shape.slice(first, last + 1));
  const inner = product(x.shape.slice(last + 1));
  if (rows > MAX_ROWS || rows === 0) return undefined;
  const shape = x.shape.flatMap((d, i) =>
    axes.includes(i) ? (attrs.keepDims ? [1] : []) : [d]
  );
  const out = makeOutput(backend, shape);
  const size = outer * inner;
  if (size === 0) return out;
  const uniforms: Record<string, UniformField> = {
    size: ["i32", size],
    rows: ["i32", rows],
    inner: ["i32", inner],
    scale: ["f32", mean ? 1 / rows : 1],
  };
  runShader(backend, {
    key: "reduce_rows",
    label: mean ? "Mean" : "Sum",
    code: () => `
${uniformStruct(uniforms)}
${storageBindings([["out", "rw"], ["x", "r"]])}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i >= u.size) { return; }
  let o = i / u.inner; let c = i % u.inner;
  let base = o * u.rows * u.inner + c;
  var s = 0.0;
  for (var r = 0; r < u.rows; r++) { s += x[base + r * u.inner]; }
  out[i] = s * u.scale;
}`,
    buffers: [out, x],
    uniforms,
    workgroups: grid(size, 256),
  });
  return out;
}
