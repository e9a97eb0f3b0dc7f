/**
 * The fused BatchNorm training step ("ArcfaceBatchNormTrain", see
 * ../fused_batch_norm.ts) on WebGPU: one pass over x for the per-channel
 * statistics (shifted sums, split across workgroups), a per-channel pass
 * that finishes them, and one pass for y; tfjs-layers' composition is about
 * fifteen dispatches, with transposing reductions. Also the moving-average
 * update of both statistics in one dispatch ("ArcfaceBatchNormMoving").
 *
 *     mean = K + S1/N,  var = S2/N − (S1/N)²,  with S1 = Σ(x − K), S2 = Σ(x − K)², K = x[0, c]
 *     y = x·scale + shift,  scale = γ/sqrt(var + ε),  shift = β − mean·scale
 *
 * (the shift by the first row keeps the one-pass variance accurate when
 * |mean| ≫ std).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import {
  disposeScratch,
  grid,
  makeOutput,
  runShader,
  storageBindings,
  type UniformField,
  uniformStruct,
} from "./_dispatcher.ts";
import { channelSums } from "./_channel_sums.ts";

/** `[y, mean, variance]` of a channels-last `x` in training mode. */
export function batchNormTrain(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
  gamma: tf.TensorInfo,
  beta: tf.TensorInfo,
  epsilon: number,
): tf.TensorInfo[] {
  const c = x.shape[x.shape.length - 1];
  const size = x.shape.reduce((a, b) => a * b, 1), rows = size / c;
  const y = makeOutput(backend, x.shape);
  const mean = makeOutput(backend, [c]), variance = makeOutput(backend, [c]);
  if (size === 0) return [y, mean, variance];
  const d = "(x[r * u.c + c] - x[c])";
  const { partial, chunks } = channelSums(backend, {
    label: "ArcfaceBatchNormTrain",
    key: "bn_stats",
    rows,
    channels: c,
    inputs: [["x", x]],
    terms: [d, `${d} * ${d}`],
  });
  const coef = makeOutput(backend, [2, c]);
  const uniforms: Record<string, UniformField> = {
    c: ["i32", c],
    chunks: ["i32", chunks],
    n: ["f32", rows],
    eps: ["f32", epsilon],
    size: ["i32", size],
  };
  runShader(backend, {
    key: "bn_stats_finish",
    label: "ArcfaceBatchNormTrain",
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["mean", "rw"],
        ["variance", "rw"],
        ["coef", "rw"],
        ["part", "r"],
        ["x", "r"],
        ["gamma", "r"],
        ["beta", "r"],
      ])
    }
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = i32(gid.x);
  if (c >= u.c) { return; }
  var s1 = 0.0; var s2 = 0.0;
  for (var j = 0; j < u.chunks; j++) {
    s1 += part[(j * 2) * u.c + c];
    s2 += part[(j * 2 + 1) * u.c + c];
  }
  let m1 = s1 / u.n;
  let m = x[c] + m1;
  let v = max(s2 / u.n - m1 * m1, 0.0);
  mean[c] = m;
  variance[c] = v;
  let scale = gamma[c] / sqrt(v + u.eps);
  coef[c] = scale;
  coef[u.c + c] = beta[c] - m * scale;
}`,
    buffers: [mean, variance, coef, partial, x, gamma, beta],
    uniforms,
    workgroups: [Math.ceil(c / 64), 1, 1],
  });
  disposeScratch(backend, partial);
  runShader(backend, {
    key: "bn_normalize",
    label: "ArcfaceBatchNormTrain",
    code: () => `
${uniformStruct(uniforms)}
${storageBindings([["y", "rw"], ["x", "r"], ["coef", "r"]])}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i >= u.size) { return; }
  let c = i % u.c;
  y[i] = x[i] * coef[c] + coef[u.c + c];
}`,
    buffers: [y, x, coef],
    uniforms,
    workgroups: grid(size, 256),
  });
  disposeScratch(backend, coef);
  return [y, mean, variance];
}

/**
 * Keras's moving averages of both statistics in one dispatch:
 * `moving − (moving − batch)·decay` (decay = 1 − momentum).
 */
export function batchNormMoving(
  backend: WebGpuBackend,
  movingMean: tf.TensorInfo,
  movingVariance: tf.TensorInfo,
  mean: tf.TensorInfo,
  variance: tf.TensorInfo,
  decay: number,
): tf.TensorInfo[] {
  const c = mean.shape[0];
  const outMean = makeOutput(backend, movingMean.shape);
  const outVariance = makeOutput(backend, movingVariance.shape);
  const uniforms: Record<string, UniformField> = {
    c: ["i32", c],
    decay: ["f32", decay],
  };
  runShader(backend, {
    key: "bn_moving",
    label: "ArcfaceBatchNormMoving",
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["outMean", "rw"],
        ["outVariance", "rw"],
        ["movingMean", "r"],
        ["movingVariance", "r"],
        ["mean", "r"],
        ["variance", "r"],
      ])
    }
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = i32(gid.x);
  if (c >= u.c) { return; }
  outMean[c] = movingMean[c] - (movingMean[c] - mean[c]) * u.decay;
  outVariance[c] = movingVariance[c] - (movingVariance[c] - variance[c]) * u.decay;
}`,
    buffers: [outMean, outVariance, movingMean, movingVariance, mean, variance],
    uniforms,
    workgroups: [Math.max(1, Math.ceil(c / 64)), 1, 1],
  });
  return [outMean, outVariance];
}
