/**
 * 1x1 convolutions computed without XNNPACK repacking the weights on every
 * call: a matmul on the project's GEMM, or, for few output channels and few
 * pixels, a transposed matmul.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  addressOf,
  free,
  simdKernels,
  transposeLast2,
  view,
  type WasmBackend,
} from "./wasm_heap.ts";
import { matMul2d } from "./_wasm_conv_grads.ts";
import { gemm } from "./_wasm_gemm.ts";

type Info = tf.TensorInfo;

/**
 * A 1x1, stride-1, linear FusedConv2D: y = x W on the project's GEMM when W
 * has enough output channels for it (see `gemm`); otherwise, with few
 * pixels, y^T = W^T x^T: XNNPACK's own path repacks W on every call
 * (weights change every step), ~3.5 ns a float, while transposing W, x and
 * y^T costs ~1 ns a float. Returns undefined when XNNPACK's plain kernel is
 * cheaper or the conv is not of that kind.
 */
export function pointwiseForward(
  x: Info,
  filter: Info,
  bias: Info | undefined,
  backend: WasmBackend,
  attrs: tf.NamedAttrMap,
): Info | undefined {
  const [kh, kw, ci, co] = filter.shape;
  const strides = [attrs.strides].flat() as number[],
    dilations = [attrs.dilations ?? 1].flat() as number[];
  const plain = kh === 1 && kw === 1 && strides.every((s) => s === 1) &&
    dilations.every((d) => d === 1) &&
    (attrs.activation ?? "linear") === "linear" &&
    attrs.dataFormat !== "NCHW" && x.dtype === "float32" &&
    Array.isArray(attrs.pad) === false;
  if (!plain) return undefined;
  const n = x.shape[0] * x.shape[1] * x.shape[2];
  const simd = simdKernels(backend);
  const addBias = (y: Info) => {
    if (bias !== undefined) {
      simd.add_bias_f32(addressOf(backend, y), addressOf(backend, bias), n, co);
    }
    return view(y, [x.shape[0], x.shape[1], x.shape[2], co]);
  };
  // y[n, co] = x[n, ci] W[ci, co], both read in place.
  const direct = gemm(backend, view(x, [n, ci]), view(filter, [ci, co]));
  if (direct !== undefined) return addBias(direct);
  if (!(ci * co + n * co + 4.5 * n * ci < 3.5 * ci * co)) return undefined;
  const xT = transposeLast2(backend, x, 1, n, ci);
  const wT = transposeLast2(backend, filter, 1, ci, co);
  const yT = matMul2d(backend, view(wT, [co, ci]), view(xT, [ci, n]));
  const y = transposeLast2(backend, yT, 1, co, n);
  free(backend, xT, wT, yT);
  return addBias(y);
}
