/**
 * The convolution gradients behind wasm_training_kernels.ts: every case
 * becomes XNNPACK's non-transposed matmul or forward convolution plus
 * reshuffles done by the SIMD module (im2col, col2im, transposes,
 * depthwise taps).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { backend_util } from "@tensorflow/tfjs-core";
import { gemm } from "./_wasm_gemm.ts";
import {
  addressOf,
  allocate,
  copyRange,
  free,
  simdKernels,
  transposeLast2,
  view,
  type WasmBackend,
  wasmKernel,
} from "./wasm_heap.ts";

/** Largest im2col/col2im scratch matrix, in floats (32 MiB); bigger batches run in chunks. */
const MAX_COLS_FLOATS = 8 * 1024 * 1024;

type Info = tf.TensorInfo;
type Conv = backend_util.Conv2DInfo;

/** Conv geometry from a kernel's attrs (the x or filter shape comes from the inputs or attrs). */
export function convInfo(
  xShape: number[] | null,
  attrs: tf.NamedAttrMap,
  depthwise: boolean,
  filter?: Info,
): Conv {
  const inShape = (xShape ?? attrs.inputShape) as [
    number,
    number,
    number,
    number,
  ];
  const filterShape = (filter?.shape ?? attrs.filterShape) as [
    number,
    number,
    number,
    number,
  ];
  if (attrs.dataFormat === "NCHW") {
    throw new Error(
      'Cannot run a wasm training kernel on dataFormat "NCHW": use channels-last (NHWC)',
    );
  }
  const dilations = (attrs.dilations ?? 1) as number | [number, number];
  const info = backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs.strides as number | [number, number],
    dilations,
    attrs.pad as "same" | "valid",
    attrs.dimRoundingMode as "floor" | "round" | "ceil" | undefined,
    depthwise,
    "channelsLast",
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error(
      `Cannot run a wasm training kernel with dilations ${
        JSON.stringify(dilations)
      }: only 1 is supported`,
    );
  }
  return info;
}

/** Geometry arguments shared by the C kernels, for images [b0, b1). */
export function dims(c: Conv, b0: number, b1: number) {
  return [
    b0,
    b1,
    c.inHeight,
    c.inWidth,
    c.inChannels,
    c.outHeight,
    c.outWidth,
    c.filterHeight,
    c.filterWidth,
    c.strideHeight,
    c.strideWidth,
    c.padInfo.top,
    c.padInfo.left,
  ] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
}

function isPointwise(c: Conv): boolean {
  return c.filterHeight === 1 && c.filterWidth === 1 && c.strideHeight === 1 &&
    c.strideWidth === 1 &&
    c.padInfo.top === 0 && c.padInfo.left === 0;
}

/** Images per chunk so that one chunk's im2col matrix stays under MAX_COLS_FLOATS. */
function imagesPerChunk(c: Conv): number {
  const perImage = c.outHeight * c.outWidth * c.filterHeight * c.filterWidth *
    c.inChannels;
  return Math.max(
    1,
    Math.min(c.batchSize, Math.floor(MAX_COLS_FLOATS / perImage)),
  );
}

/** Non-transposed matmul of two rank-2 operands given as views. */
export function matMul2d(backend: WasmBackend, a: Info, b: Info): Info {
  return wasmKernel(tf.BatchMatMul)({
    inputs: {
      a: view(a, [1, a.shape[0], a.shape[1]]),
      b: view(b, [1, b.shape[0], b.shape[1]]),
    },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
}

/**
 * dW[kh,kw,ci,co] = sum over n of cols(x)[n,(kh,kw,ci)] * dy[n,co]. Where
 * XNNPACK takes a 1x1 product (few output channels), the right operand is
 * the one with fewer columns: it repacks that operand on every call, slowly
 * (~10 ns a float when it is large).
 */
export function conv2DBackpropFilter(
  x: Info,
  dy: Info,
  backend: WasmBackend,
  c: Conv,
): Info {
  const ci = c.inChannels,
    co = c.outChannels,
    k = c.filterHeight * c.filterWidth * ci;
  const pixels = c.outHeight * c.outWidth;
  const filterShape = [c.filterHeight, c.filterWidth, ci, co];
  const simd = simdKernels(backend);
  if (isPointwise(c)) {
    // dW = x^T dy with x as [N, CI]: on the GEMM, x is read as the transposed operand.
    const n = c.batchSize * pixels;
    const direct = gemm(backend, view(x, [n, ci]), view(dy, [n, co]), true);
    if (direct !== undefined) return view(direct, filterShape);
    if (co <= ci) {
      const xT = transposeLast2(backend, x, 1, n, ci);
      const out = matMul2d(backend, view(xT, [ci, n]), view(dy, [n, co]));
      free(backend, xT);
      return view(out, filterShape);
    }
    const dyT = transposeLast2(backend, dy, 1, n, co);
    const wT = matMul2d(backend, view(dyT, [co, n]), view(x, [n, ci]));
    const out = transposeLast2(backend, wT, 1, co, ci);
    free(backend, dyT, wT);
    return view(out, filterShape);
  }
  // General case, per chunk of images: dW[k, co] += colsT[k, n] @ dy_chunk[n, co].
  const step = imagesPerChunk(c);
  let acc: Info | undefined;
  for (let b0 = 0; b0 < c.batchSize; b0 += step) {
    const b1 = Math.min(c.batchSize, b0 + step), n = (b1 - b0) * pixels;
    const colsT = allocate(backend, [k, n]);
    simd.im2col_t_f32(
      addressOf(backend, x),
      addressOf(backend, colsT),
      ...dims(c, b0, b1),
    );
    const whole = b0 === 0 && b1 === c.batchSize;
    const chunk = whole
      ? view(dy, [n, co])
      : copyRange(backend, dy, b0 * pixels * co, n * co, [n, co]);
    const part = matMul2d(backend, colsT, chunk);
    free(backend, colsT);
    if (!whole) free(backend, chunk);
    if (acc === undefined) {
      acc = part;
    } else {
      simd.add_f32(addressOf(backend, acc), addressOf(backend, part), k * co);
      free(backend, part);
    }
  }
  return view(acc!, filterShape);
}

/** dx for a convolution: a matmul (1x1), a forward conv with the rotated filter (stride 1), or col2im. */
export function conv2DBackpropInput(
  dy: Info,
  filter: Info,
  backend: WasmBackend,
  c: Conv,
): Info {
  const ci = c.inChannels,
    co = c.outChannels,
    kh = c.filterHeight,
    kw = c.filterWidth;
  const inShape = [c.batchSize, c.inHeight, c.inWidth, ci];
  const simd = simdKernels(backend);
  if (isPointwise(c)) {
    const n = c.batchSize * c.inHeight * c.inWidth;
    // dx = dy @ W^T on the GEMM, W read as the transposed operand.
    const direct = gemm(
      backend,
      view(dy, [n, co]),
      view(filter, [ci, co]),
      false,
      true,
    );
    if (direct !== undefined) return view(direct, inShape);
    // On XNNPACK, either dx = dy @ W^T (XNNPACK packs W^T: ci*co floats) or, when there
    // are few pixels (late stages, SE convs), dx^T = W @ dy^T (packs dy^T:
    // co*n floats) plus two small transposes. A transposed float costs
    // about a third of a packed one.
    if (co * n + (n * co + n * ci) / 3 < ci * co * (1 + 1 / 3)) {
      const dyT = transposeLast2(backend, dy, 1, n, co);
      const dxT = matMul2d(backend, view(filter, [ci, co]), view(dyT, [co, n]));
      const out = transposeLast2(backend, dxT, 1, ci, n);
      free(backend, dyT, dxT);
      return view(out, inShape);
    }
    const wT = transposeLast2(backend, filter, 1, ci, co);
    const out = matMul2d(backend, view(dy, [n, co]), view(wT, [co, ci]));
    free(backend, wT);
    return view(out, inShape);
  }
  if (c.strideHeight === 1 && c.strideWidth === 1) {
    // dx = conv(dy, rot180(W) with in/out swapped), padded by K-1-pad on each side.
    const rotated = allocate(backend, [kh, kw, co, ci]);
    simd.rotate_filter_f32(
      addressOf(backend, filter),
      addressOf(backend, rotated),
      kh,
      kw,
      ci,
      co,
    );
    const { top, bottom, left, right } = c.padInfo;
    const out = wasmKernel(tf.Conv2D)({
      inputs: { x: dy, filter: rotated },
      backend,
      attrs: {
        strides: 1,
        dilations: 1,
        dataFormat: "NHWC",
        pad: [[0, 0], [kh - 1 - top, kh - 1 - bottom], [
          kw - 1 - left,
          kw - 1 - right,
        ], [0, 0]],
      } as unknown as tf.NamedAttrMap,
    });
    free(backend, rotated);
    return out;
  }
  // Strided: cols[n, k] = dy[n, co] @ W^T[co, k], then scatter-add the columns into dx.
  const k = kh * kw * ci, pixels = c.outHeight * c.outWidth;
  // W^T, made only if XNNPACK takes the product (the GEMM reads W as the transposed operand).
  let wT: Info | undefined;
  const dx = allocate(backend, inShape, true);
  const step = imagesPerChunk(c);
  for (let b0 = 0; b0 < c.batchSize; b0 += step) {
    const b1 = Math.min(c.batchSize, b0 + step), n = (b1 - b0) * pixels;
    const chunk = b0 === 0 && b1 === c.batchSize
      ? view(dy, [n, co])
      : copyRange(backend, dy, b0 * pixels * co, n * co, [n, co]);
    const cols = gemm(backend, chunk, view(filter, [k, co]), false, true) ??
      matMul2d(
        backend,
        chunk,
        view(wT ??= transposeLast2(backend, filter, 1, k, co), [co, k]),
      );
    simd.col2im_add_f32(
      addressOf(backend, cols),
      addressOf(backend, dx),
      ...dims(c, b0, b1),
    );
    free(backend, cols);
    if (chunk.dataId !== dy.dataId) free(backend, chunk);
  }
  if (wT !== undefined) free(backend, wT);
  return dx;
}
