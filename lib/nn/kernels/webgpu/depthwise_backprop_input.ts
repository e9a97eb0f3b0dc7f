/**
 * `DepthwiseConv2dNativeBackpropInput` (channel multiplier 1) on WebGPU:
 * one invocation per input element gathers the output positions its taps
 * reached, with integer index arithmetic.
 *
 *     dx[b, ih, iw, c] = Σ_{kh, kw} dy[b, (ih + pad − kh)/s, (iw + pad − kw)/s, c] · w[kh, kw, c]
 *
 * (terms whose division is inexact or out of range are zero).
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

/** The input gradient, or undefined when not handled here. */
export function depthwiseBackpropInput(
  backend: WebGpuBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: ConvAttrs & { inputShape: number[] },
): tf.TensorInfo | undefined {
  const info = convInfo(attrs.inputShape, filter.shape, attrs, true);
  if (!handled(info) || filter.shape[3] !== 1) return undefined;
  const out = makeOutput(backend, attrs.inputShape);
  const size = attrs.inputShape.reduce((a, b) => a * b, 1);
  if (size === 0) return out;
  const uniforms = depthwiseUniforms(info, size);
  runShader(backend, {
    key: `dw_dx_${info.filterHeight}x${info.filterWidth}`,
    label: "DepthwiseConv2dNativeBackpropInput",
    code: () => `
${uniformStruct(uniforms)}
${storageBindings([["dx", "rw"], ["dy", "r"], ["w", "r"]])}
@compute @workgroup_size(256)
fn main(${FLAT_PARAMS}) {
  let i = ${FLAT_INDEX};
  if (i >= u.size) { return; }
  let c = i % u.ci; let t = i / u.ci; let iw = t % u.iw; let t2 = t / u.iw;
  let ih = t2 % u.ih; let bb = t2 / u.ih;
  var acc = 0.0;
  for (var kh = 0; kh < ${info.filterHeight}; kh++) {
    let th = ih + u.pt - kh;
    if (th < 0) { break; }
    let oh = th / u.sh;
    if (oh * u.sh != th || oh >= u.oh) { continue; }
    for (var kw = 0; kw < ${info.filterWidth}; kw++) {
      let tw = iw + u.pl - kw;
      if (tw < 0) { break; }
      let ow = tw / u.sw;
      if (ow * u.sw != tw || ow >= u.ow) { continue; }
      acc = fma(dy[((bb * u.oh + oh) * u.ow + ow) * u.ci + c],
                w[(kh * ${info.filterWidth} + kw) * u.ci + c], acc);
    }
  }
  dx[i] = acc;
}`,
    buffers: [out, dy, filter],
    uniforms,
    workgroups: grid(size, 256),
  });
  return out;
}
