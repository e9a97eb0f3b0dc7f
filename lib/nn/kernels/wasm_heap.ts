/**
 * Low-level access to the tfjs wasm backend's heap for the project's own
 * kernels: tensor addresses, scratch tensors, calls into the backend's fast
 * kernels, and the compiled SIMD module that shares the heap.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { TRAIN_KERNELS_WASM_BASE64 } from "./_train_kernels_wasm.ts";

/** Exports of lib/nn/kernels/wasm/train_kernels.c; pointers are heap byte offsets. */
export interface SimdKernels {
  add_f32(dst: number, src: number, n: number): void;
  matmul_f32(
    a: number,
    b: number,
    c: number,
    pack: number,
    m: number,
    k: number,
    n: number,
    transposed: number,
  ): void;
  transpose_f32(
    src: number,
    dst: number,
    batch: number,
    rows: number,
    cols: number,
  ): void;
  im2col_f32(
    x: number,
    cols: number,
    ...dims: [
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
    ]
  ): void;
  im2col_t_f32(
    x: number,
    colsT: number,
    ...dims: [
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
    ]
  ): void;
  col2im_add_f32(
    cols: number,
    dx: number,
    ...dims: [
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
    ]
  ): void;
  depthwise_filter_grad_f32(
    x: number,
    dy: number,
    dw: number,
    ...dims: [
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
    ]
  ): void;
  depthwise_input_grad_f32(
    dy: number,
    w: number,
    dx: number,
    ...dims: [
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
    ]
  ): void;
  batch_norm_train_f32(
    x: number,
    gamma: number,
    beta: number,
    eps: number,
    rows: number,
    c: number,
    y: number,
    mean: number,
    variance: number,
    scratch: number,
  ): void;
  batch_norm_train_grad_f32(
    dy: number,
    x: number,
    mean: number,
    variance: number,
    gamma: number,
    dmean: number,
    dvar: number,
    eps: number,
    rows: number,
    c: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    scratch: number,
  ): void;
  add_bias_f32(y: number, bias: number, rows: number, c: number): void;
  mul_f32(out: number, a: number, b: number, n: number): void;
  silu_grad_f32(
    dy: number,
    ds: number,
    x: number,
    s: number,
    dx: number,
    n: number,
  ): void;
  axpby_f32(
    dst: number,
    alpha: number,
    src: number,
    beta: number,
    n: number,
  ): void;
  adam_f32(
    p: number,
    pOut: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lrT: number,
    beta1: number,
    beta2: number,
    eps: number,
  ): void;
  rotate_filter_f32(
    src: number,
    dst: number,
    kh: number,
    kw: number,
    ci: number,
    co: number,
  ): void;
}

/** The wasm backend as our kernels see it (the emscripten module included). */
export type WasmBackend = BackendWasm & {
  wasm: BackendWasm["wasm"] & { asm: { memory: WebAssembly.Memory } };
};

/** Where the SIMD module instance lives on its backend (one per backend). */
const SIMD = Symbol.for("@arcface/pipeline/nn/simd-kernels");

/** The SIMD kernels bound to `backend`'s heap, instantiated on first use. */
export function simdKernels(backend: WasmBackend): SimdKernels {
  const holder = backend as unknown as { [SIMD]?: SimdKernels };
  if (holder[SIMD] === undefined) {
    const bytes = Uint8Array.from(
      atob(TRAIN_KERNELS_WASM_BASE64),
      (c) => c.charCodeAt(0),
    );
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { memory: backend.wasm.asm.memory },
    });
    holder[SIMD] = instance.exports as unknown as SimdKernels;
  }
  return holder[SIMD];
}

/** Byte address of a tensor's data on the heap. */
export function addressOf(backend: WasmBackend, info: tf.TensorInfo): number {
  return (backend.dataIdMap.get(info.dataId) as unknown as {
    memoryOffset: number;
  }).memoryOffset;
}

/** Allocates a float32 tensor on the heap, optionally zero-filled. */
export function allocate(
  backend: WasmBackend,
  shape: number[],
  zero = false,
): tf.TensorInfo {
  const out = backend.makeOutput(shape, "float32");
  if (zero) (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  return out;
}

/** Frees scratch tensors made by {@linkcode allocate} or a kernel call. */
export function free(backend: WasmBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A new reference to `x`'s data (tensors are immutable, so data may be shared). */
export function share(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** A view of `info` with another shape (same data, no copy, no new reference). */
export function view(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** Copies `count` floats from `src` (at element `srcStart`) into a new tensor. */
export function copyRange(
  backend: WasmBackend,
  src: tf.TensorInfo,
  srcStart: number,
  count: number,
  shape: number[],
): tf.TensorInfo {
  const out = allocate(backend, shape);
  const heap = new Float32Array(backend.wasm.asm.memory.buffer);
  const from = addressOf(backend, src) / 4 + srcStart;
  heap.copyWithin(addressOf(backend, out) / 4, from, from + count);
  return out;
}

/** Physically transposes the two last axes: [batch, rows, cols] -> [batch, cols, rows]. */
export function transposeLast2(
  backend: WasmBackend,
  src: tf.TensorInfo,
  batch: number,
  rows: number,
  cols: number,
): tf.TensorInfo {
  const out = allocate(backend, [batch, cols, rows]);
  simdKernels(backend).transpose_f32(
    addressOf(backend, src),
    addressOf(backend, out),
    batch,
    rows,
    cols,
  );
  return out;
}

type KernelCall = (
  args: {
    inputs: tf.NamedTensorInfoMap;
    backend: tf.KernelBackend;
    attrs?: tf.NamedAttrMap;
  },
) => tf.TensorInfo;

/** A kernel function of the wasm backend, looked up by name. */
export function wasmKernel(name: string): KernelCall {
  const config = tf.getKernel(name, "wasm");
  if (config === undefined) {
    throw new Error(
      `Cannot find kernel "${name}" for backend "wasm": it is not registered`,
    );
  }
  return config.kernelFunc as KernelCall;
}
