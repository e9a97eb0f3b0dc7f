/**
 * `Conv2DBackpropInput` on WebGPU as an implicit GEMM.
 *
 *     dx[b, ih, iw, ci] = Σ_{kh, kw, co} dy[b, (ih + pad − kh)/s, (iw + pad − kw)/s, co] · W[kh, kw, ci, co]
 *
 * (terms whose division is inexact or out of range are zero) is C = A·B with
 * M = B·IH·IW, N = CI, K = KH·KW·CO, both operands read in place. tfjs-webgpu
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
