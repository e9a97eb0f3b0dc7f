/**
 * Depthwise convolution gradients for the wasm backend (the backend has
 * neither): one SIMD pass over the output pixels per gradient, channels in
 * vector lanes.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { backend_util } from "@tensorflow/tfjs-core";
import {
  addressOf,
  allocate,
  simdKernels,
  type WasmBackend,
} from "./wasm_heap.ts";
import { dims } from "./_wasm_conv_grads.ts";

type Info = tf.TensorInfo;
type Conv = backend_util.Conv2DInfo;

/** Multiplier of a depthwise filter [kh, kw, c, m]. */
function multiplier(c: Conv): number {
  return c.outChannels / c.inChannels;
}

/** dW of a depthwise convolution, `[kh, kw, c, m]`, from its input `x` and output gradient `dy`. */
export function depthwiseBackpropFilter(
  x: Info,
  dy: Info,
  backend: WasmBackend,
  c: Conv,
): Info {
  const m = multiplier(c);
  const dw = allocate(
    backend,
    [c.filterHeight, c.filterWidth, c.inChannels, m],
    true,
  );
  const [, , h, w, ch, oh, ow, kh, kw, sh, sw, pt, pl] = dims(
    c,
    0,
    c.batchSize,
  );
  simdKernels(backend).depthwise_filter_grad_f32(
    addressOf(backend, x),
    addressOf(backend, dy),
    addressOf(backend, dw),
    c.batchSize,
    h,
    w,
    ch,
    oh,
    ow,
    kh,
    kw,
    sh,
    sw,
    pt,
    pl,
    m,
  );
  return dw;
}

/** dX of a depthwise convolution, shaped like its input, from `dy` and the filter. */
export function depthwiseBackpropInput(
  dy: Info,
  filter: Info,
  backend: WasmBackend,
  c: Conv,
): Info {
  const dx = allocate(backend, [
    c.batchSize,
    c.inHeight,
    c.inWidth,
    c.inChannels,
  ], true);
  const [, , h, w, ch, oh, ow, kh, kw, sh, sw, pt, pl] = dims(
    c,
    0,
    c.batchSize,
  );
  simdKernels(backend).depthwise_input_grad_f32(
    addressOf(backend, dy),
    addressOf(backend, filter),
    addressOf(backend, dx),
    c.batchSize,
    h,
    w,
    ch,
    oh,
    ow,
    kh,
    kw,
    sh,
    sw,
    pt,
    pl,
    multiplier(c),
  );
  return dx;
}
