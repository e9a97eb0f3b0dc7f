/**
 * The fused BatchNorm training step ("ArcfaceBatchNormTrain", see
 * ../fused_batch_norm.ts) on WebGPU: one pass over x for the per-channel
 * statistics (shifted sums, split across workgroups), a per-channel pass
 * that finishes them, and one pass for y; tfjs-layers' composition is about
 * fifteen dispatches, with transposing reductions. With the moving averages
 * ("ArcfaceBatchNormTrainMoving") the per-channel pass moves them too.
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

/** The moving averages to move along (Keras: `moving − (moving − batch)·decay`). */
export interface MovingStatistics {
  /** Moving mean `[C]`. */
  mean: tf.TensorInfo;
  /** Moving variance `[C]`. */
  variance: tf.TensorInfo;
  /** 1 − momentum. */
  decay: number;
}

/**
 * `[y, mean, variance]` of a channels-last `x` in training mode, then the
 * new moving mean and variance when `moving` is given.
 */
export function batchNormTrain(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
  gamma: tf.TensorInfo,
  beta: tf.TensorInfo,
  epsilon: number,
  moving?: MovingStatistics,
): tf.TensorInfo[] {
  const c = x.shape[x.shape.length - 1];
  const size = x.shape.reduce((a, b) => a * b, 1), rows = size / c;
  const y = makeOutput(backend, x.shape);
  const mean = makeOutput(backend, [c]), variance = makeOutput(backend, [c]);
  const moved = moving
    ? [makeOutput(backend, [c]), makeOutput(backend, [c])]
    : [];
  if (size === 0) return [y, mean, variance, ...moved];
  const d = "(x[r * u.c + c] - x[c])";
  const { partial, chunks } = channelSums(backend, {
    label: "ArcfaceBatchNormTrain",
    key: "bn_stats",
    rows,
    channels: c,
    inputs: [["x", x]],
    terms: [d, `${d} * ${d}`],
  });
  const uniforms: Record<string, UniformField> = {
    c: ["i32", c],
    chunks: ["i32", chunks],
    n: ["f32", rows],
    eps: ["f32", epsilon],
    size: ["i32", size],
    decay: ["f32", moving?.decay ?? 0],
  };
  runShader(backend, {
    key: `bn_stats_finish_${moving !== undefined}`,
    label: "ArcfaceBatchNormTrain",
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["mean", "rw"],
        ["variance", "rw"],
        ...(moving ? [["outMean", "rw"], ["outVariance", "rw"]] as const : []),
        ["part", "r"],
        ["x", "r"],
        ...(moving
          ? [["movingMean", "r"], ["movingVariance", "r"]] as const
          : []),
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
  ${
      moving
        ? `outMean[c] = movingMean[c] - (movingMean[c] - m) * u.decay;
  outVariance[c] = movingVariance[c] - (movingVariance[c] - v) * u.decay;`
        : ""
    }
}`,
    buffers: [
      mean,
      variance,
      ...moved,
      partial,
      x,
      ...(moving ? [moving.mean, moving.variance] : []),
    ],
    uniforms,
    workgroups: [Math.ceil(c / 64), 1, 1],
  });
  disposeScratch(backend, partial);
  runShader(backend, {
    key: "bn_normalize",
    label: "ArcfaceBatchNormTrain",
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["y", "rw"],
        ["x", "r"],
        ["mean", "r"],
        ["variance", "r"],
        ["gamma", "r"],
        ["beta", "r"],
      ])
    }
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i >= u.size) { return; }
  let c = i % u.c;
  let scale = gamma[c] / sqrt(variance[c] + u.eps);
  y[i] = x[i] * scale + (beta[c] - mean[c] * scale);
}`,
    buffers: [y, x, mean, variance, gamma, beta],
    uniforms,
    workgroups: grid(size, 256),
  });
  return [y, mean, variance, ...moved];
}
