/**
 * Float32 matmul on the wasm heap by the project's own GEMM (`matmul_f32` in
 * wasm/train_kernels.c: relaxed-SIMD fused multiply-adds, either operand
 * read transposed in place, B packed once per call at ~1 ns a float), where
 * XNNPACK repacks its right operand slowly on every call (weights change
 * every step). Private to lib/nn/kernels.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  addressOf,
  allocate,
  free,
  simdKernels,
  view,
  type WasmBackend,
} from "./wasm_heap.ts";

/** The GEMM's tile width (GEMM_NR), and its A block (GEMM_MC x GEMM_KC) and edge tile (GEMM_MR x GEMM_NR). */
const NR = 8, BLOCK_FLOATS = 96 * 256, TILE_FLOATS = 4 * 8;

/**
 * Below this many columns XNNPACK is faster: the last tile of NR columns
 * is mostly padding.
 */
const MIN_COLUMNS = 24;

/**
 * a[..., M, K] b[..., K, N] for float32 operands with the same batch
 * dimensions (a given as [..., K, M] when `transposeA`, b as [..., N, K]
 * when `transposeB`: read as they are, no transposed copy), or undefined
 * where XNNPACK is the better kernel (few columns, broadcast batches, other
 * dtypes).
 */
export function gemm(
  backend: WasmBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA = false,
  transposeB = false,
): tf.TensorInfo | undefined {
  const rank = a.shape.length;
  const batchDims = a.shape.slice(0, -2);
  const [a0, a1] = a.shape.slice(-2), [b0, b1] = b.shape.slice(-2);
  const [m, k] = transposeA ? [a1, a0] : [a0, a1];
  const [kb, n] = transposeB ? [b1, b0] : [b0, b1];
  if (
    a.dtype !== "float32" || b.dtype !== "float32" ||
    b.shape.length !== rank || kb !== k ||
    b.shape.slice(0, -2).some((d, i) => d !== batchDims[i]) ||
    n < MIN_COLUMNS
  ) return undefined;
  const batch = batchDims.reduce((p, d) => p * d, 1);
  const out = allocate(backend, [batch * m * n]);
  const pack = allocate(backend, [
    k * Math.ceil(n / NR) * NR + BLOCK_FLOATS + TILE_FLOATS,
  ]);
  const simd = simdKernels(backend);
  const [pa, pb, pc, pp] = [a, b, out, pack].map((x) => addressOf(backend, x));
  for (let i = 0; i < batch; i++) {
    simd.matmul_f32(
      pa + 4 * i * m * k,
      pb + 4 * i * k * n,
      pc + 4 * i * m * n,
      pp,
      m,
      k,
      n,
      (transposeA ? 1 : 0) | (transposeB ? 2 : 0),
    );
  }
  free(backend, pack);
  return view(out, [...batchDims, m, n]);
}
