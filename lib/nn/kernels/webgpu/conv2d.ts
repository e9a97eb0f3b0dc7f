/**
 * `Conv2D` and `FusedConv2D` (bias, no activation) on WebGPU through the
 * same implicit GEMM as the gradients: C = A·B with M = B·OH·OW, N = CO,
 * K = KH·KW·CI, A the image read as im2col in place, B the filter as
 * stored; a 1×1 convolution (stride 1, no padding) is the plain product
 * x·W. One kernel for the forward pass and both gradients keeps their
 * numerics alike; an activation or PReLU weights go to tfjs's kernel.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import { DENSE_A, DENSE_B, gemm, type GemmOperand } from "./_gemm.ts";
import {
  type ConvAttrs,
  convInfo,
  convUniforms,
  handled,
  isPointwise,
} from "./_conv_info.ts";

/** A[(b, oh, ow), (kh, kw, ci)] = x[b, oh·s + kh − pad, ow·s + kw − pad, ci], or 0 outside. */
const IMAGE_COLUMNS: GemmOperand = {
  key: "im2col",
  fast: "k",
  wgsl: `fn rowA(m: i32) -> vec4<i32> {
  let ow = m % u.ow; let t = m / u.ow;
  return vec4<i32>(t / u.oh, (t % u.oh) * u.sh - u.pt, ow * u.sw - u.pl, 0);
}
fn loadA(r: vec4<i32>, k: i32) -> f32 {
  let ci = k % u.ci; let t = k / u.ci; let kw = t % u.kw; let kh = t / u.kw;
  let ih = r.y + kh; let iw = r.z + kw;
  if (ih < 0 || ih >= u.ih || iw < 0 || iw >= u.iw) { return 0.0; }
  return a[((r.x * u.ih + ih) * u.iw + iw) * u.ci + ci];
}`,
};

/**
 * y = conv(x, filter) (+ bias), or undefined when not handled here
 * (activation, PReLU, dilation, NCHW).
 */
export function conv2d(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: ConvAttrs & { activation?: string },
  bias?: tf.TensorInfo,
  preluActivationWeights?: tf.TensorInfo,
): tf.TensorInfo | undefined {
  if (
    (attrs.activation !== undefined && attrs.activation !== "linear") ||
    preluActivationWeights !== undefined ||
    (bias !== undefined && bias.shape.length !== 1)
  ) {
    return undefined;
  }
  const info = convInfo(x.shape, filter.shape, attrs, false);
  if (!handled(info)) return undefined;
  const pointwise = isPointwise(info);
  return gemm(backend, {
    label: "Conv2D",
    m: info.batchSize * info.outHeight * info.outWidth,
    n: info.outChannels,
    k: info.filterHeight * info.filterWidth * info.inChannels,
    a: pointwise ? DENSE_A : IMAGE_COLUMNS,
    b: DENSE_B,
    inputs: [x, filter],
    uniforms: pointwise ? {} : convUniforms(info),
    outShape: info.outShape,
    bias,
  });
}
