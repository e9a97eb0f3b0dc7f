/**
 * This project's WebGPU training kernels, registered over tfjs-backend-webgpu
 * 4.22's as the project does for wasm, and what they stand on:
 *
 * - `webgpu_training_kernels.ts` registers them (each falls back to the
 *   kernel it replaced where a case is not handled) and tunes the backend
 *   once it exists; `webgpu_device.ts` asks for the device with enough
 *   storage buffers per shader stage.
 * - One kernel per file: `conv2d*.ts` (implicit GEMMs on `_gemm.ts`, split-K,
 *   stride phases), `depthwise_*.ts`, `batch_norm_train*.ts` (on
 *   `_channel_sums.ts`), `silu.ts`, `sigmoid_grad.ts`, `arc_margin.ts`,
 *   `reduce_rows.ts`, `adam.ts`.
 * - `_dispatcher.ts` records every dispatch, this project's shaders and
 *   tfjs's programs (`_tfjs_dispatch.ts`) alike, reusing uniform buffers and
 *   bind groups (`_stable_buffers.ts` keeps buffer reuse repeatable).
 * - `gpu_profile.ts` times each dispatch with timestamp queries, per tfjs
 *   kernel; `adapter_probe.ts` decides whether `auto` takes webgpu.
 *
 * It imports tfjs, tfjs-backend-webgpu (the device factory only) and the
 * fused-op definitions in `..`; `../../backend.ts` registers it when it
 * loads the webgpu backend.
 *
 * @module
 */
export {
  prepareWebGpuBackend,
  registerWebGpuTrainingKernels,
  SUBMIT_BATCH,
} from "./webgpu_training_kernels.ts";
export { registerWebGpuDevice } from "./webgpu_device.ts";
export {
  type GpuKernelTime,
  type GpuProfile,
  profileGpuKernels,
} from "./gpu_profile.ts";
export {
  type AdapterInfoLike,
  isCpuAdapter,
  measureWebGpu,
  type WebGpuSpeed,
  type WebGpuVerdict,
  webgpuVerdict,
} from "./adapter_probe.ts";
