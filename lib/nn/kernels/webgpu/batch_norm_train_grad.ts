/**
 * The gradient of the fused BatchNorm training step
 * ("ArcfaceBatchNormTrainGrad") on WebGPU: one pass over dy and x for the
 * per-channel sums (split across workgroups), a per-channel pass, and one
 * pass for dx. With r = 1/sqrt(var + ε), S1 = Σ dy, S2 = Σ dy·(x − mean):
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
  grid,
  makeOutput,
  runShader,
  storageBindings,
  type UniformField,
  uniformStruct,
} from "./_dispatcher.ts";
import { channelSums } from "./_channel_sums.ts";
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
  });
  // Absent upstream gradients of the statistics: bind gamma in their place and zero their weight.
  const upstream = (t: tf.TensorInfo | undefined) =>
    isCpuZeros(backend, t) ? [gamma, 0] as const : [t!, 1] as const;
  const [dmean, useDmean] = upstream(inputs.dmean);
  const [dvariance, useDvariance] = upstream(inputs.dvariance);
  const coef = makeOutput(backend, [3, c]);
  const uniforms: Record<string, UniformField> = {
    c: ["i32", c],
    chunks: ["i32", chunks],
    n: ["f32", rows],
    eps: ["f32", epsilon],
    size: ["i32", size],
    useDmean: ["f32", useDmean],
    useDvariance: ["f32", useDvariance],
  };
  runShader(backend, {
    key: "bn_grad_finish",
    label: "ArcfaceBatchNormTrainGrad",
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["dgamma", "rw"],
        ["dbeta", "rw"],
        ["coef", "rw"],
        ["part", "r"],
        ["variance", "r"],
        ["gamma", "r"],
        ["dmean", "r"],
        ["dvariance", "r"],
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
  let r = 1.0 / sqrt(variance[c] + u.eps);
  let gr = gamma[c] * r;
  dbeta[c] = s1;
  dgamma[c] = s2 * r;
  coef[c] = gr;
  coef[u.c + c] = -gr * s1 / u.n + u.useDmean * dmean[c] / u.n;
  coef[2 * u.c + c] = -gr * r * r * s2 / u.n + u.useDvariance * 2.0 * dvariance[c] / u.n;
}`,
    buffers: [dgamma, dbeta, coef, partial, variance, gamma, dmean, dvariance],
    uniforms,
    workgroups: [Math.ceil(c / 64), 1, 1],
  });
  disposeScratch(backend, partial);
  runShader(backend, {
    key: "bn_grad_dx",
    label: "ArcfaceBatchNormTrainGrad",
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["dx", "rw"],
        ["dy", "r"],
        ["x", "r"],
        ["mean", "r"],
        ["coef", "r"],
      ])
    }
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i >= u.size) { return; }
  let c = i % u.c;
  dx[i] = coef[c] * dy[i] + coef[u.c + c] + coef[2 * u.c + c] * (x[i] - mean[c]);
}`,
    buffers: [dx, dy, x, mean, coef],
    uniforms,
    workgroups: grid(size, 256),
  });
  disposeScratch(backend, coef);
  return [dx, dgamma, dbeta];
}
