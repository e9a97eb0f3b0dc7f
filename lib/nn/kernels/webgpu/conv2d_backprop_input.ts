/**
 * `Conv2DBackpropInput` on WebGPU as an implicit GEMM.
 *
 *     dx[b, ih, iw, ci] = Σ_{kh, kw, co} dy[b, (ih + pad − kh)/s, (iw + pad − kw)/s, co] · W[kh, kw, ci, co]
 *
 * (terms whose division is inexact or out of range are zero) is C = A·B with
 * M = B·IH·IW, N = CI, K = KH·KW·CO, both operands read in place; with a
 * stride s it is s² smaller products, one per stride phase, in one dispatch. tfjs-webgpu
 * 4.22 uses its naive per-element loop while
 * `WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE` is true (the default). A 1×1
 * convolution (stride 1, no padding) is the plain product dy·Wᵀ.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import { DENSE_A, DENSE_B_T, gemm, type GemmOperand } from "./_gemm.ts";
import {
  type ConvAttrs,
  convInfo,
  convUniforms,
  handled,
  isPointwise,
} from "./_conv_info.ts";

/** A[(b, ih, iw), (kh, kw, co)] = dy at the output position that tap reaches, or 0. */
const GRADIENT_COLUMNS: GemmOperand = {
  key: "dyCols",
  fast: "k",
  wgsl: `fn rowA(m: i32) -> vec4<i32> {
  let iw = m % u.iw; let t = m / u.iw;
  return vec4<i32>(t / u.ih, t % u.ih + u.pt, iw + u.pl, 0);
}
fn loadA(r: vec4<i32>, k: i32) -> f32 {
  let co = k % u.co; let t = k / u.co; let kw = t % u.kw; let kh = t / u.kw;
  let th = r.y - kh; let tw = r.z - kw;
  if (th < 0 || tw < 0) { return 0.0; }
  let oh = th / u.sh; let ow = tw / u.sw;
  if (oh * u.sh != th || ow * u.sw != tw || oh >= u.oh || ow >= u.ow) { return 0.0; }
  return a[((r.x * u.oh + oh) * u.ow + ow) * u.co + co];
}`,
};

/** B[(kh, kw, co), ci] = W[kh, kw, ci, co]. */
const FILTER_ROWS: GemmOperand = {
  key: "filterT",
  fast: "k",
  wgsl: `fn colB(n: i32) -> vec4<i32> { return vec4<i32>(n, 0, 0, 0); }
fn loadB(c: vec4<i32>, k: i32) -> f32 {
  let co = k % u.co; let t = k / u.co;
  return b[(t * u.ci + c.x) * u.co + co];
}`,
};

/**
 * The stride phases: input rows ih with (ih + pad) ≡ ry (mod stride) are
 * reached only by taps kh ≡ ry, so each of the stride² phases is a product
 * of its own rows and taps, without the zero terms (a quarter of the work
 * for a 3×3 stride-2 convolution). Phase p = ry·sw + rx.
 */
const PHASES = `
var<private> firstH: i32; var<private> rowsH: i32; var<private> tapsH: i32;
var<private> firstW: i32; var<private> rowsW: i32; var<private> tapsW: i32;
var<private> ry: i32; var<private> rx: i32;
fn setPhase(p: i32) {
  ry = p / u.sw; rx = p % u.sw;
  firstH = ((ry - u.pt) % u.sh + u.sh) % u.sh;
  firstW = ((rx - u.pl) % u.sw + u.sw) % u.sw;
  rowsH = max(0, (u.ih - firstH + u.sh - 1) / u.sh);
  rowsW = max(0, (u.iw - firstW + u.sw - 1) / u.sw);
  tapsH = max(0, (u.kh - ry + u.sh - 1) / u.sh);
  tapsW = max(0, (u.kw - rx + u.sw - 1) / u.sw);
}
fn phaseM() -> i32 { return u.batch * rowsH * rowsW; }
fn phaseK() -> i32 { return tapsH * tapsW * u.co; }
fn outRow(m: i32) -> i32 {
  let tw = m % rowsW; let t = m / rowsW;
  return ((t / rowsH) * u.ih + firstH + (t % rowsH) * u.sh) * u.iw + firstW + tw * u.sw;
}`;

/** A for one phase: rows (b, th, tw) of the phase, K = (jh, jw, co) over its taps. */
const PHASE_GRADIENT_COLUMNS: GemmOperand = {
  key: "dyColsPhase",
  fast: "k",
  wgsl: `fn rowA(m: i32) -> vec4<i32> {
  let tw = m % rowsW; let t = m / rowsW;
  return vec4<i32>(t / rowsH, firstH + (t % rowsH) * u.sh + u.pt, firstW + tw * u.sw + u.pl, 0);
}
fn loadA(r: vec4<i32>, k: i32) -> f32 {
  let co = k % u.co; let t = k / u.co;
  let kh = ry + (t / tapsW) * u.sh; let kw = rx + (t % tapsW) * u.sw;
  let oh = (r.y - kh) / u.sh; let ow = (r.z - kw) / u.sw;
  if (r.y < kh || r.z < kw || oh >= u.oh || ow >= u.ow) { return 0.0; }
  return a[((r.x * u.oh + oh) * u.ow + ow) * u.co + co];
}`,
};

/** B for one phase: B[(jh, jw, co), ci] = W[ry + jh·s, rx + jw·s, ci, co]. */
const PHASE_FILTER_ROWS: GemmOperand = {
  key: "filterTPhase",
  fast: "k",
  wgsl: `fn colB(n: i32) -> vec4<i32> { return vec4<i32>(n, 0, 0, 0); }
fn loadB(c: vec4<i32>, k: i32) -> f32 {
  let co = k % u.co; let t = k / u.co;
  let kh = ry + (t / tapsW) * u.sh; let kw = rx + (t % tapsW) * u.sw;
  return b[((kh * u.kw + kw) * u.ci + c.x) * u.co + co];
}`,
};

/**
 * The input gradient, or undefined when the geometry is not handled here
 * (the caller runs tfjs's kernel).
 */
export function conv2dBackpropInput(
  backend: WebGpuBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: ConvAttrs & { inputShape: number[] },
): tf.TensorInfo | undefined {
  const info = convInfo(attrs.inputShape, filter.shape, attrs, false);
  if (!handled(info)) return undefined;
  const pointwise = isPointwise(info);
  const sh = info.strideHeight, sw = info.strideWidth;
  if (!pointwise && sh * sw > 1) {
    const rows = Math.ceil(info.inHeight / sh) * Math.ceil(info.inWidth / sw);
    return gemm(backend, {
      label: "Conv2DBackpropInput",
      m: info.batchSize * rows,
      n: info.inChannels,
      k: Math.ceil(info.filterHeight / sh) * Math.ceil(info.filterWidth / sw) *
        info.outChannels,
      a: PHASE_GRADIENT_COLUMNS,
      b: PHASE_FILTER_ROWS,
      inputs: [dy, filter],
      uniforms: convUniforms(info),
      outShape: attrs.inputShape,
      phases: { count: sh * sw, key: "stride", wgsl: PHASES },
    });
  }
  return gemm(backend, {
    label: "Conv2DBackpropInput",
    m: info.batchSize * info.inHeight * info.inWidth,
    n: info.inChannels,
    k: info.filterHeight * info.filterWidth * info.outChannels,
    a: pointwise ? DENSE_A : GRADIENT_COLUMNS,
    b: pointwise ? DENSE_B_T : FILTER_ROWS,
    inputs: [dy, filter],
    uniforms: pointwise ? {} : convUniforms(info),
    outShape: attrs.inputShape,
  });
}
