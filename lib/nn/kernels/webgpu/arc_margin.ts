/**
 * The fused ArcFace margin ("ArcfaceMarginLogits" and its gradient, see
 * ../fused_arc_margin.ts) on WebGPU: one elementwise dispatch over
 * `[B, classes]` each way.
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
import type { ArcMarginAttrs } from "../fused_arc_margin.ts";

function uniformsOf(
  cos: tf.TensorInfo,
  attrs: ArcMarginAttrs,
): Record<string, UniformField> {
  const m = attrs.m;
  return {
    size: ["i32", cos.shape[0] * cos.shape[1]],
    n: ["i32", cos.shape[1]],
    s: ["f32", attrs.s],
    cosM: ["f32", Math.cos(m)],
    sinM: ["f32", Math.sin(m)],
    th: ["f32", Math.cos(Math.PI - m)],
    mm: ["f32", Math.sin(Math.PI - m) * m],
    lsEps: ["f32", attrs.lsEps],
    lo: ["f32", -1 + attrs.cosEpsilon],
    hi: ["f32", 1 - attrs.cosEpsilon],
  };
}

/** The margin terms of element i (class c, sample b) as WGSL, shared by both kernels. */
function terms(perClass: boolean, easy: boolean): string {
  return `
  let c = i % u.n; let b = i / u.n;
  let x = cosine[i];
  ${
    perClass
      ? `let mc = margins[c];
  let cosM = cos(mc); let sinM = sin(mc); let th = -cos(mc); let mm = sin(mc) * mc;`
      : "let cosM = u.cosM; let sinM = u.sinM; let th = u.th; let mm = u.mm;"
  }
  let cl = clamp(x, u.lo, u.hi);
  let sn = sqrt(1.0 - cl * cl);
  let mask = select(0.0, 1.0, ${easy ? "x" : "x - th"} > 0.0);
  var t = select(0.0, 1.0, labels[b] == c);
  if (u.lsEps > 0.0) { t = t * (1.0 - u.lsEps) + u.lsEps / f32(u.n); }`;
}

function bindings(first: [string, "rw" | "r"][], perClass: boolean): string {
  return storageBindings([
    ...first,
    ["cosine", "r"],
    ["labels", "r", "i32"],
    ...(perClass ? [["margins", "r"] as const] : []),
  ]);
}

/** logits `[B, n]`. */
export function arcMargin(
  backend: WebGpuBackend,
  cos: tf.TensorInfo,
  labels: tf.TensorInfo,
  margins: tf.TensorInfo | undefined,
  attrs: ArcMarginAttrs,
): tf.TensorInfo {
  const out = makeOutput(backend, cos.shape);
  const uniforms = uniformsOf(cos, attrs);
  const size = uniforms.size[1];
  if (size === 0) return out;
  const perClass = margins !== undefined, easy = attrs.easyMargin;
  runShader(backend, {
    key: `arc_margin_${perClass}_${easy}`,
    label: "ArcfaceMarginLogits",
    code: () => `
${uniformStruct(uniforms)}
${bindings([["out", "rw"]], perClass)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i >= u.size) { return; }
  ${terms(perClass, easy)}
  let phi = mask * (x * cosM - sn * sinM) + (1.0 - mask) * ${
      easy ? "x" : "(x - mm)"
    };
  out[i] = (t * phi + (1.0 - t) * x) * u.s;
}`,
    buffers: [out, cos, labels, ...(margins ? [margins] : [])],
    uniforms,
    workgroups: grid(size, 256),
  });
  return out;
}

/** dcos `[B, n]` (the clip passes gradient inside its bounds, bounds included, as tfjs's ClipByValue). */
export function arcMarginGrad(
  backend: WebGpuBackend,
  dy: tf.TensorInfo,
  cos: tf.TensorInfo,
  labels: tf.TensorInfo,
  margins: tf.TensorInfo | undefined,
  attrs: ArcMarginAttrs,
): tf.TensorInfo {
  const out = makeOutput(backend, cos.shape);
  const uniforms = uniformsOf(cos, attrs);
  const size = uniforms.size[1];
  if (size === 0) return out;
  const perClass = margins !== undefined, easy = attrs.easyMargin;
  runShader(backend, {
    key: `arc_margin_grad_${perClass}_${easy}`,
    label: "ArcfaceMarginLogitsGrad",
    code: () => `
${uniformStruct(uniforms)}
${bindings([["dcos", "rw"], ["dy", "r"]], perClass)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i >= u.size) { return; }
  ${terms(perClass, easy)}
  let inside = select(0.0, 1.0, x >= u.lo && x <= u.hi);
  let dphi = mask * (cosM + sinM * cl / sn * inside) + (1.0 - mask);
  dcos[i] = dy[i] * u.s * (t * dphi + (1.0 - t));
}`,
    buffers: [out, dy, cos, labels, ...(margins ? [margins] : [])],
    uniforms,
    workgroups: grid(size, 256),
  });
  return out;
}
