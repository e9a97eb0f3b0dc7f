/**
 * Keras's Adam step (see ../../train/keras_adam.ts) on WebGPU, fused over
 * all variables: each dispatch updates a group of up to 16 variables in
 * place (parameters, first and second moments), grouped by size so little
 * of a dispatch idles; tfjs ops take a dozen dispatches per variable.
 *
 *     m += (g − m)(1 − β1);  v += (g² − v)(1 − β2);  p −= lr_t · m / (sqrt(v) + ε)
 *
 * The step's scalars sit in one persistent uniform buffer rewritten per
 * step, so the bind groups of a model's groups are created once. With a
 * `guard` (the step's loss), a non-finite loss skips the update on the GPU,
 * so the step can be recorded before the loss is read back.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import { bufferOf } from "./_webgpu_backend.ts";
import {
  dispatcherOf,
  grid,
  packUniforms,
  runShader,
  storageBindings,
  type UniformField,
  uniformStruct,
} from "./_dispatcher.ts";

/** One variable's update. */
export interface AdamSlot {
  /** The parameter (updated in place). */
  param: tf.TensorInfo;
  /** Its gradient. */
  grad: tf.TensorInfo;
  /** First moment (updated in place). */
  m: tf.TensorInfo;
  /** Second moment (updated in place). */
  v: tf.TensorInfo;
}

/** The step's scalars. */
export interface AdamStep {
  /** lr·sqrt(1 − β2^t)/(1 − β1^t), computed in double precision by the caller. */
  lrT: number;
  /** Decay of the first moment. */
  beta1: number;
  /** Decay of the second moment. */
  beta2: number;
  /** Added to sqrt(v). */
  epsilon: number;
}

/** Most variables per dispatch (4 storage bindings each). */
const MAX_GROUP = 16;
const THREADS = 256;
/** Most workgroups along x; larger variables are covered by striding. */
const MAX_GROUPS_X = 4096;

/**
 * Updates every slot in place. The parameters and moments must own their
 * data (refCount 1): tensors sharing it would change too. With `guard`, the
 * update happens only when `guard[0]` is finite.
 */
export function applyAdam(
  backend: WebGpuBackend,
  slots: readonly AdamSlot[],
  step: AdamStep,
  guard?: tf.TensorInfo,
): void {
  if (slots.length === 0) return;
  const dispatcher = dispatcherOf(backend);
  const bindings = backend.device.limits.maxStorageBuffersPerShaderStage;
  const perGroup = Math.max(
    1,
    Math.min(MAX_GROUP, Math.floor((bindings - 1) / 4)),
  );
  const order = slots.map((_, i) => i).sort((a, b) =>
    slots[a].param.shape.reduce((x, y) => x * y, 1) -
    slots[b].param.shape.reduce((x, y) => x * y, 1)
  );
  const hyper = dispatcher.rewrittenUniform(
    "adam",
    packUniforms({
      lrT: ["f32", step.lrT],
      oneMinusBeta1: ["f32", 1 - step.beta1],
      oneMinusBeta2: ["f32", 1 - step.beta2],
      epsilon: ["f32", step.epsilon],
    }),
  );
  for (let start = 0; start < order.length; start += perGroup) {
    const group = order.slice(start, start + perGroup).map((i) => slots[i]);
    recordGroup(backend, group, hyper, guard);
  }
  for (const slot of slots) {
    // The values cached on the CPU by an earlier read are stale now.
    for (const t of [slot.param, slot.m, slot.v]) {
      backend.tensorMap.get(t.dataId).values = null;
    }
  }
}

function recordGroup(
  backend: WebGpuBackend,
  group: readonly AdamSlot[],
  hyper: GPUBuffer,
  guard: tf.TensorInfo | undefined,
): void {
  const dispatcher = dispatcherOf(backend);
  const sizes = group.map((s) => s.param.shape.reduce((a, b) => a * b, 1));
  const uniforms: Record<string, UniformField> = Object.fromEntries(
    sizes.map((n, j) => [`n${j}`, ["i32", n] as UniformField]),
  );
  const names: [string, "r" | "rw"][] = [["loss", "r"]];
  group.forEach((_, j) =>
    names.push([`p${j}`, "rw"], [`m${j}`, "rw"], [`v${j}`, "rw"], [
      `g${j}`,
      "r",
    ])
  );
  const guarded = guard !== undefined;
  const bodies = group.map((_, j) => `
  if (j == ${j}) {
    for (var i = start; i < u.n${j}; i += stride) {
      let g = g${j}[i];
      let m = m${j}[i] + (g - m${j}[i]) * h.oneMinusBeta1;
      let v = v${j}[i] + (g * g - v${j}[i]) * h.oneMinusBeta2;
      m${j}[i] = m;
      v${j}[i] = v;
      p${j}[i] = p${j}[i] - h.lrT * m / (sqrt(v) + h.epsilon);
    }
  }`).join("");
  const key = `adam_${group.length}_${guarded}`;
  const pipeline = dispatcher.pipeline(key, () => `
${uniformStruct(uniforms)}
struct H { lrT: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, epsilon: f32 }
${storageBindings(names)}
@group(0) @binding(${names.length + 1}) var<uniform> h: H;
@compute @workgroup_size(${THREADS})
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  ${
    guarded
      ? `// A non-finite loss (exponent bits all ones) leaves everything as it was.
  if ((bitcast<u32>(loss[0]) & 0x7f800000u) == 0x7f800000u) { return; }`
      : "_ = loss[0];"
  }
  let j = i32(wid.y);
  let start = i32(gid.x);
  let stride = i32(groups.x * ${THREADS}u);
  ${bodies}
}`, "Adam");
  const tensors: tf.TensorInfo[] = [guard ?? group[0].grad];
  for (const s of group) tensors.push(s.param, s.m, s.v, s.grad);
  const buffers = tensors.map((t) => bufferOf(backend, t));
  buffers.push(dispatcher.uniform(packUniforms(uniforms)), hyper);
  const largest = Math.max(...sizes);
  dispatcher.encode(
    pipeline,
    dispatcher.bindGroup(pipeline, buffers),
    [Math.min(MAX_GROUPS_X, Math.ceil(largest / THREADS)), group.length, 1],
    "Adam",
    tensors.map((t) => t.dataId),
  );
}

/** A copy of `t` in a buffer of its own (to update in place what shares its data). */
export function copyTensor(
  backend: WebGpuBackend,
  t: tf.TensorInfo,
): tf.TensorInfo {
  const size = t.shape.reduce((a, b) => a * b, 1);
  const out = backend.makeTensorInfo(t.shape, t.dtype);
  backend.uploadToGPU(out.dataId);
  if (size === 0) return out;
  const uniforms: Record<string, UniformField> = { size: ["i32", size] };
  runShader(backend, {
    key: "copy",
    label: "Copy",
    code: () => `
${uniformStruct(uniforms)}
${storageBindings([["dst", "rw"], ["src", "r"]])}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i < u.size) { dst[i] = src[i]; }
}`,
    buffers: [out, t],
    uniforms,
    workgroups: grid(size, 256),
  });
  return out;
}
