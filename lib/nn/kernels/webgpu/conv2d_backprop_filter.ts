/**
 * `Conv2DBackpropFilter` on WebGPU as an implicit GEMM with split-K.
 *
 *     dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[b, oh, ow, co]
 *
 * is C = A·B with M = KH·KW·CI, N = CO and K = B·OH·OW: A is the image read
 * as a transposed im2col in place, B is dy as stored. tfjs-webgpu 4.22 runs
 * one invocation per filter element looping over all of K (for
 * EfficientNetV2-B0's stem at 128 px, batch 32: 864 invocations of 131k
 * serial steps); here K is split across workgroups and summed in a second
 * pass. A 1×1 convolution (stride 1, no padding) is the plain product
 * xᵀ·dy.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import { DENSE_A_T, DENSE_B, gemm, type GemmOperand } from "./_gemm.ts";
import {
  type ConvAttrs,
  convInfo,
  convUniforms,
  handled,
  isPointwise,
} from "./_conv_info.ts";

/** A = the input image as im2colᵀ: A[(kh, kw, ci), (b, oh, ow)]. */
const IMAGE_COLUMNS_T: GemmOperand = {
  key: "im2colT",
  fast: "m",
  wgsl: `fn rowA(m: i32) -> vec4<i32> {
  let ci = m % u.ci; let t = m / u.ci;
  return vec4<i32>(ci, t / u.kw - u.pt, t % u.kw - u.pl, 0);
}
fn loadA(r: vec4<i32>, k: i32) -> f32 {
  let ow = k % u.ow; let t = k / u.ow; let oh = t % u.oh; let bb = t / u.oh;
  let ih = oh * u.sh + r.y; let iw = ow * u.sw + r.z;
  if (ih < 0 || ih >= u.ih || iw < 0 || iw >= u.iw) { return 0.0; }
  return a[((bb * u.ih + ih) * u.iw + iw) * u.ci + r.x];
}`,
};

/**
 * The filter gradient, or undefined when the geometry is not handled here
 * (the caller runs tfjs's kernel).
 */
export function conv2dBackpropFilter(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: ConvAttrs & { filterShape: number[] },
): tf.TensorInfo | undefined {
  const info = convInfo(x.shape, attrs.filterShape, attrs, false);
  if (!handled(info)) return undefined;
  const pointwise = isPointwise(info);
  return gemm(backend, {
    label: "Conv2DBackpropFilter",
    m: info.filterHeight * info.filterWidth * info.inChannels,
    n: info.outChannels,
    k: info.batchSize * info.outHeight * info.outWidth,
    a: pointwise ? DENSE_A_T : IMAGE_COLUMNS_T,
    b: DENSE_B,
    inputs: [x, dy],
    uniforms: pointwise ? {} : convUniforms(info),
    outShape: attrs.filterShape,
  });
}
