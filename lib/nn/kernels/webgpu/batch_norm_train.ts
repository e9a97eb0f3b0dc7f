/**
 * The fused BatchNorm training step ("ArcfaceBatchNormTrain", see
 * ../fused_batch_norm.ts) on WebGPU in two dispatches: one pass over x for
 * per-channel partial sums (shifted, split across up to 64 row chunks), and
 * one that finishes the statistics in each workgroup and writes y;
 * tfjs-layers' composition is about fifteen dispatches, with transposing
 * reductions. With the moving averages ("ArcfaceBatchNormTrainMoving") the
 * second pass moves them too.
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
  makeOutput,
  runShader,
  storageBindings,
  type UniformField,
  uniformStruct,
} from "./_dispatcher.ts";
import { channelGeometry, channelSums } from "./_channel_sums.ts";

/** Storage buffers per shader stage the BatchNorm kernels bind (WebGPU's default limit is 8). */
export const BATCH_NORM_BUFFERS = 11;

/** Most partial sums per channel, which every second-pass workgroup reads. */
const MAX_PARTIAL_CHUNKS = 64;

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
    maxChunks: MAX_PARTIAL_CHUNKS,
  });
  // Second pass: each workgroup finishes its channels' statistics from the
  // partial sums (in chunk order, so every workgroup gets the same bits),
  // then normalises its rows; the first row chunk writes the statistics.
  const g = channelGeometry(rows, c);
  const uniforms: Record<string, UniformField> = {
    c: ["i32", c],
    rows: ["i32", rows],
    chunk: ["i32", g.chunk],
    partials: ["i32", chunks],
    n: ["f32", rows],
    eps: ["f32", epsilon],
    decay: ["f32", moving?.decay ?? 0],
  };
  // Eleven storage buffers with the moving averages (see BATCH_NORM_BUFFERS).
  const withMoving = moving !== undefined;
  runShader(backend, {
    key: `bn_normalize_${g.block}_${withMoving}`,
    label: "ArcfaceBatchNormTrain",
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["y", "rw"],
        ["mean", "rw"],
        ["variance", "rw"],
        ...(withMoving
          ? [["outMean", "rw"], ["outVariance", "rw"]] as const
          : []),
        ["part", "r"],
        ["x", "r"],
        ["gamma", "r"],
        ["beta", "r"],
        ...(withMoving
          ? [["movingMean", "r"], ["movingVariance", "r"]] as const
          : []),
      ])
    }
var<workgroup> coef: array<f32, ${2 * g.block}>;
@compute @workgroup_size(${g.block}, ${g.lanes}, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>) {
  let lx = i32(lid.x); let lane = i32(lid.y);
  let c = i32(wid.x) * ${g.block} + lx;
  if (lane == 0 && c < u.c) {
    var s1 = 0.0; var s2 = 0.0;
    for (var j = 0; j < u.partials; j++) {
      s1 += part[(j * 2) * u.c + c];
      s2 += part[(j * 2 + 1) * u.c + c];
    }
    let m1 = s1 / u.n;
    let m = x[c] + m1;
    let v = max(s2 / u.n - m1 * m1, 0.0);
    let scale = gamma[c] / sqrt(v + u.eps);
    coef[lx] = scale;
    coef[${g.block} + lx] = beta[c] - m * scale;
    if (wid.y == 0u) {
      mean[c] = m;
      variance[c] = v;
      ${
      withMoving
        ? `outMean[c] = movingMean[c] - (movingMean[c] - m) * u.decay;
      outVariance[c] = movingVariance[c] - (movingVariance[c] - v) * u.decay;`
        : ""
    }
    }
  }
  workgroupBarrier();
  if (c >= u.c) { return; }
  let scale = coef[lx]; let shift = coef[${g.block} + lx];
  let start = i32(wid.y) * u.chunk;
  let end = min(start + u.chunk, u.rows);
  for (var r = start + lane; r < end; r += ${g.lanes}) {
    y[r * u.c + c] = x[r * u.c + c] * scale + shift;
  }
}`,
    buffers: [
      y,
      mean,
      variance,
      ...moved,
      partial,
      x,
      gamma,
      beta,
      ...(moving ? [moving.mean, moving.variance] : []),
    ],
    uniforms,
    workgroups: [g.groups, g.chunks, 1],
  });
  disposeScratch(backend, partial);
  return [y, mean, variance, ...moved];
}
