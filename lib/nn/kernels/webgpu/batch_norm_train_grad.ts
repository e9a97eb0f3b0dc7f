/**
 * The gradient of the fused BatchNorm training step
 * ("ArcfaceBatchNormTrainGrad") on WebGPU in two dispatches: one pass over
 * dy and x for per-channel partial sums (split across up to 64 row chunks),
 * and one that finishes them in each workgroup and writes dx. With r = 1/sqrt(var + ε), S1 = Σ dy, S2 = Σ dy·(x − mean):
 *
 *     dβ = S1,  dγ = S2·r,
 *     dx = γr·(dy − S1/N − (x − mean)·r²·S2/N) + dmean/N + 2·dvar·(x − mean)/N
 *
 * as the wasm kernel computes it (dmean and dvar are the upstream gradients
 * of the mean and variance outputs, usually zero and then skipped).
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

/** Most partial sums per channel, which every second-pass workgroup reads. */
const MAX_PARTIAL_CHUNKS = 64;
import { isCpuZeros } from "./_zero_input.ts";

/** Inputs of the gradient kernel. */
export interface BatchNormGradInputs {
  /** Gradient of y. */
  dy: tf.TensorInfo;
  /** The forward input. */
  x: tf.TensorInfo;
  /** The batch mean the forward pass returned. */
  mean: tf.TensorInfo;
  /** The batch variance the forward pass returned. */
  variance: tf.TensorInfo;
  /** The scale. */
  gamma: tf.TensorInfo;
  /** Gradient of the mean output (may be absent). */
  dmean?: tf.TensorInfo;
  /** Gradient of the variance output (may be absent). */
  dvariance?: tf.TensorInfo;
}

/** `[dx, dgamma, dbeta]`. */
export function batchNormTrainGrad(
  backend: WebGpuBackend,
  inputs: BatchNormGradInputs,
  epsilon: number,
): tf.TensorInfo[] {
  const { dy, x, mean, variance, gamma } = inputs;
  const c = x.shape[x.shape.length - 1];
  const size = x.shape.reduce((a, b) => a * b, 1), rows = size / c;
  const dx = makeOutput(backend, x.shape);
  const dgamma = makeOutput(backend, [c]), dbeta = makeOutput(backend, [c]);
  if (size === 0) return [dx, dgamma, dbeta];
  const { partial, chunks } = channelSums(backend, {
    label: "ArcfaceBatchNormTrainGrad",
    key: "bn_grad_sums",
    rows,
    channels: c,
    inputs: [["dy", dy], ["x", x], ["mean", mean]],
    terms: ["dy[r * u.c + c]", "dy[r * u.c + c] * (x[r * u.c + c] - mean[c])"],
    maxChunks: MAX_PARTIAL_CHUNKS,
  });
  // Absent upstream gradients of the statistics: bind gamma in their place and zero their weight.
  const upstream = (t: tf.TensorInfo | undefined) =>
    isCpuZeros(backend, t) ? [gamma, 0] as const : [t!, 1] as const;
  const [dmean, useDmean] = upstream(inputs.dmean);
  const [dvariance, useDvariance] = upstream(inputs.dvariance);
  // Second pass: each workgroup finishes its channels' sums (in chunk
  // order: the same bits everywhere) and writes dx for its rows; the first
  // row chunk writes dgamma and dbeta.
  const g = channelGeometry(rows, c);
  const uniforms: Record<string, UniformField> = {
    c: ["i32", c],
    rows: ["i32", rows],
    chunk: ["i32", g.chunk],
    partials: ["i32", chunks],
    n: ["f32", rows],
    eps: ["f32", epsilon],
    useDmean: ["f32", useDmean],
    useDvariance: ["f32", useDvariance],
  };
  runShader(backend, {
    key: `bn_grad_dx_${g.block}`,
    label: "ArcfaceBatchNormTrainGrad",
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["dx", "rw"],
        ["dgamma", "rw"],
        ["dbeta", "rw"],
        ["part", "r"],
        ["dy", "r"],
        ["x", "r"],
        ["mean", "r"],
        ["variance", "r"],
        ["gamma", "r"],
        ["dmean", "r"],
        ["dvariance", "r"],
      ])
    }
var<workgroup> coef: array<f32, ${3 * g.block}>;
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
    let r = 1.0 / sqrt(variance[c] + u.eps);
    let gr = gamma[c] * r;
    coef[lx] = gr;
    coef[${g.block} + lx] = -gr * s1 / u.n + u.useDmean * dmean[c] / u.n;
    coef[${2 * g.block} + lx] = -gr * r * r * s2 / u.n +
      u.useDvariance * 2.0 * dvariance[c] / u.n;
    if (wid.y == 0u) {
      dbeta[c] = s1;
      dgamma[c] = s2 * r;
    }
  }
  workgroupBarrier();
  if (c >= u.c) { return; }
  let a = coef[lx]; let b = coef[${g.block} + lx]; let d = coef[${
      2 * g.block
    } + lx];
  let m = mean[c];
  let start = i32(wid.y) * u.chunk;
  let end = min(start + u.chunk, u.rows);
  for (var row = start + lane; row < end; row += ${g.lanes}) {
    let i = row * u.c + c;
    dx[i] = a * dy[i] + b + d * (x[i] - m);
  }
}`,
    buffers: [
      dx,
      dgamma,
      dbeta,
      partial,
      dy,
      x,
      mean,
      variance,
      gamma,
      dmean,
      dvariance,
    ],
    uniforms,
    workgroups: [g.groups, g.chunks, 1],
  });
  disposeScratch(backend, partial);
  return [dx, dgamma, dbeta];
}
