/**
 * `DepthwiseConv2dNative` (channel multiplier 1) on WebGPU: one invocation
 * per output element gathers its KH×KW taps; consecutive invocations write
 * consecutive channels, so every read and write is coalesced.
 *
 *     y[b, oh, ow, c] = Σ_{kh, kw} x[b, oh·s + kh − pad, ow·s + kw − pad, c] · w[kh, kw, c]
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
  uniformStruct,
} from "./_dispatcher.ts";
import { type ConvAttrs, convInfo, handled } from "./_conv_info.ts";
import {
  depthwiseUniforms,
  FLAT_INDEX,
  FLAT_PARAMS,
} from "./_depthwise_taps.ts";

/** The depthwise convolution, or undefined when not handled here (multiplier > 1, dilation, NCHW). */
export function depthwiseConv2d(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: ConvAttrs,
): tf.TensorInfo | undefined {
  const info = convInfo(x.shape, filter.shape, attrs, true);
  if (!handled(info) || filter.shape[3] !== 1) return undefined;
  const out = makeOutput(backend, info.outShape);
  const size = info.outShape.reduce((a, b) => a * b, 1);
  if (size === 0) return out;
  const uniforms = depthwiseUniforms(info, size);
  runShader(backend, {
    key: `dw_fwd_${info.filterHeight}x${info.filterWidth}`,
    label: "DepthwiseConv2dNative",
    code: () => `
${uniformStruct(uniforms)}
${storageBindings([["y", "rw"], ["x", "r"], ["w", "r"]])}
@compute @workgroup_size(256)
fn main(${FLAT_PARAMS}) {
  let i = ${FLAT_INDEX};
  if (i >= u.size) { return; }
  let c = i % u.ci; let t = i / u.ci; let ow = t % u.ow; let t2 = t / u.ow;
  let oh = t2 % u.oh; let bb = t2 / u.oh;
  let ih0 = oh * u.sh - u.pt; let iw0 = ow * u.sw - u.pl;
  var acc = 0.0;
  for (var kh = 0; kh < ${info.filterHeight}; kh++) {
    let ih = ih0 + kh;
    if (ih < 0 || ih >= u.ih) { continue; }
    for (var kw = 0; kw < ${info.filterWidth}; kw++) {
      let iw = iw0 + kw;
      if (iw < 0 || iw >= u.iw) { continue; }
      acc = fma(x[((bb * u.ih + ih) * u.iw + iw) * u.ci + c],
                w[(kh * ${info.filterWidth} + kw) * u.ci + c], acc);
    }
  }
  y[i] = acc;
}`,
    buffers: [out, x, filter],
    uniforms,
    workgroups: grid(size, 256),
  });
  return out;
}
