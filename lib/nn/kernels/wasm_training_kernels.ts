/**
 * Training kernels for tfjs's wasm backend. The backend ships without
 * `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter` and
 * `DepthwiseConv2dNativeBackpropInput`, and two of its kernels that every
 * backward pass hits are an order of magnitude slower than its forward
 * convolution: `BatchMatMul` with a transposed operand (a scalar loop instead
 * of XNNPACK, ~3 GFLOP/s against ~40) and `Conv2DBackpropInput` (a direct
 * scalar loop). This module registers replacements that turn every case into
 * the backend's fast non-transposed matmul or forward convolution plus
 * memory-bound reshuffles (transpose, im2col, col2im, depthwise taps) done by
 * a small SIMD module compiled from `wasm/train_kernels.c`, which works on the
 * backend's own heap in place.
 *
 * Gradients are checked against the cpu backend in
 * tests/lib/nn/wasm_training_kernels_test.ts.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  free,
  share,
  transposeLast2,
  view,
  type WasmBackend,
} from "./wasm_heap.ts";
import {
  conv2DBackpropFilter,
  conv2DBackpropInput,
  convInfo,
} from "./_wasm_conv_grads.ts";
import {
  depthwiseBackpropFilter,
  depthwiseBackpropInput,
} from "./_wasm_depthwise_grads.ts";
import { pointwiseForward } from "./_wasm_pointwise_conv.ts";
import { gemm } from "./_wasm_gemm.ts";

/** Marks kernel functions registered by this module, so registering twice is a no-op. */
const OURS = Symbol.for("@arcface/pipeline/nn/wasm-training-kernel");

type Info = tf.TensorInfo;
type KernelArgs = {
  inputs: Record<string, Info>;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
};

/**
 * Registers the project's training kernels on the `wasm` backend (idempotent).
 * Call before the first training step; tfjs's registry is process-wide.
 */
export function registerWasmTrainingKernels(): void {
  const matMul = tf.getKernel(tf.BatchMatMul, "wasm");
  if (matMul === undefined) {
    throw new Error(
      'Cannot register wasm training kernels: backend "wasm" is not loaded (import "@tensorflow/tfjs-backend-wasm" first)',
    );
  }
  if ((matMul.kernelFunc as { [OURS]?: boolean })[OURS]) return;
  const fastMatMul = matMul.kernelFunc;
  const convertingCast = tf.getKernel(tf.Cast, "wasm")!.kernelFunc;
  const fusedConv = tf.getKernel(tf.FusedConv2D, "wasm")!
    .kernelFunc as unknown as (a: KernelArgs) => Info;
  const kernels: Record<string, (args: KernelArgs) => Info> = {
    // tfjs clones every tensor it saves for the backward pass (Identity), and
    // the wasm Identity copies the data; tensors are immutable (Reshape
    // already shares data), so share it instead, as Cast to the same dtype.
    [tf.Identity]: ({ inputs, backend }) =>
      share(backend as WasmBackend, inputs.x),
    [tf.Cast]: (args) =>
      args.attrs?.dtype === args.inputs.x.dtype &&
        args.inputs.x.dtype !== "string"
        ? share(args.backend as WasmBackend, args.inputs.x)
        : (convertingCast as unknown as (a: KernelArgs) => Info)(args),
    [tf.BatchMatMul]: ({ inputs, backend, attrs }) =>
      batchMatMul(
        fastMatMul as never,
        inputs.a,
        inputs.b,
        backend as WasmBackend,
        attrs ?? {},
      ),
    [tf.FusedConv2D]: (args) =>
      pointwiseForward(
        args.inputs.x,
        args.inputs.filter,
        args.inputs.bias,
        args.backend as WasmBackend,
        args.attrs ?? {},
      ) ??
        fusedConv(args),
    [tf.Conv2DBackpropFilter]: ({ inputs, backend, attrs }) =>
      conv2DBackpropFilter(
        inputs.x,
        inputs.dy,
        backend as WasmBackend,
        convInfo(inputs.x.shape, attrs!, false),
      ),
    [tf.Conv2DBackpropInput]: ({ inputs, backend, attrs }) =>
      conv2DBackpropInput(
        inputs.dy,
        inputs.filter,
        backend as WasmBackend,
        convInfo(null, attrs!, false, inputs.filter),
      ),
    [tf.DepthwiseConv2dNativeBackpropFilter]: ({ inputs, backend, attrs }) =>
      depthwiseBackpropFilter(
        inputs.x,
        inputs.dy,
        backend as WasmBackend,
        convInfo(inputs.x.shape, attrs!, true),
      ),
    [tf.DepthwiseConv2dNativeBackpropInput]: ({ inputs, backend, attrs }) =>
      depthwiseBackpropInput(
        inputs.dy,
        inputs.filter,
        backend as WasmBackend,
        convInfo(null, attrs!, true, inputs.filter),
      ),
  };
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    Object.defineProperty(kernelFunc, OURS, { value: true });
    // Keep the replaced kernel's setup: the original BatchMatMul we delegate to needs it.
    const replaced = tf.getKernel(kernelName, "wasm");
    if (replaced !== undefined) tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc: kernelFunc as tf.KernelFunc,
      setupFunc: replaced?.setupFunc,
    });
  }
}

/** BatchMatMul on the project's GEMM (transposed operands read in place), or, where XNNPACK is faster, transposed physically onto its non-transposed path. */
function batchMatMul(
  fast: (args: KernelArgs) => Info,
  a: Info,
  b: Info,
  backend: WasmBackend,
  attrs: tf.NamedAttrMap,
): Info {
  const direct = gemm(
    backend,
    a,
    b,
    Boolean(attrs.transposeA),
    Boolean(attrs.transposeB),
  );
  if (direct !== undefined) return direct;
  const plain = (x: Info, transpose: unknown): Info => {
    if (!transpose) return x;
    const rank = x.shape.length;
    const rows = x.shape[rank - 2], cols = x.shape[rank - 1];
    const batch = x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const t = transposeLast2(backend, x, batch, rows, cols);
    return view(t, [...x.shape.slice(0, -2), cols, rows]);
  };
  const a2 = plain(a, attrs.transposeA), b2 = plain(b, attrs.transposeB);
  const out = fast({
    inputs: { a: a2, b: b2 },
    backend,
    attrs: { transposeA: false, transposeB: false },
  });
  if (a2 !== a) free(backend, a2);
  if (b2 !== b) free(backend, b2);
  return out;
}
