/**
 * The kernel wing of lib/nn: this project's own kernels, registered over
 * TensorFlow.js backends. For wasm: the convolution and depthwise gradients
 * tfjs-wasm lacks (im2col/col2im and matrix products on its XNNPACK path,
 * plus a SIMD module compiled from `wasm/train_kernels.c`), 1×1
 * convolutions on the matmul path, a fused BatchNorm train step and its
 * gradient, a fused SiLU and its gradient; and a per-kernel profiler. The
 * fused ops that webgpu/ implements too (the ArcFace margin, the sigmoid's
 * gradient) are defined here; webgpu/ holds the WebGPU kernels, registered
 * over tfjs-webgpu's (see webgpu/mod.ts).
 *
 * It imports only tfjs and its own files; `../backend.ts` registers it when
 * it loads a backend.
 *
 * @module
 */
export { registerFusedBatchNorm } from "./fused_batch_norm.ts";
export { registerFusedSwish } from "./fused_swish.ts";
export {
  type KernelProfile,
  type KernelTime,
  profileKernels,
} from "./kernel_profile.ts";
export { registerWasmTrainingKernels } from "./wasm_training_kernels.ts";
