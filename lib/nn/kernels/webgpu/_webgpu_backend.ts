/**
 * The parts of tfjs-backend-webgpu 4.22's `WebGPUBackend` that this
 * project's kernels use. They are not in the package's typings (most are
 * private there), so they are declared here once and reached through
 * {@linkcode asWebGpu}.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

/** What the backend keeps per tensor. */
export interface GpuTensorData {
  /** The tensor's buffer once uploaded. */
  resource: GPUBuffer | null;
  /** Values kept on the CPU (before upload, or cached after a read). */
  values: unknown;
  /** References to this data (tensors that share it). */
  refCount: number;
  /** Shape of the data. */
  shape: number[];
  /** Element type of the data. */
  dtype: tf.DataType;
}

/** A tfjs-webgpu shader program, as `runWebGPUProgram` records it. */
export interface TfjsProgram {
  /** The compiled pipeline (set by runWebGPUProgram before recording). */
  pipeline?: GPUComputePipeline | Promise<GPUComputePipeline>;
  /** Workgroups to dispatch. */
  dispatch: [number, number, number];
  /** Output shape. */
  outputShape: number[];
  /** Whether the program adds the output size to its uniforms. */
  size?: boolean;
  /** Output components per element. */
  outputComponent?: number;
  /** Set for texture programs (not handled here). */
  pixelsOpType?: number;
}

/** One program-defined uniform field, as tfjs passes them. */
export interface TfjsUniform {
  /** Element type. */
  type: "int32" | "uint32" | "float32";
  /** Values (a scalar or a short vector). */
  data: number[];
}

/** The internals of tfjs-backend-webgpu's backend that the kernels here touch. */
export interface WebGpuBackend extends tf.KernelBackend {
  /** The device. */
  device: GPUDevice;
  /** The device's queue. */
  queue: GPUQueue;
  /** Per-tensor data. */
  tensorMap: {
    get(dataId: tf.DataId): GpuTensorData;
    has(dataId: tf.DataId): boolean;
  };
  /** The open command encoder, if any. */
  commandEncoder: GPUCommandEncoder | null;
  /** The open compute pass, if any. */
  computePassEncoder: GPUComputePassEncoder | null;
  /** Dispatches recorded since the last submit. */
  dispatchCountInPass: number;
  /** Data that commands not yet submitted use (their disposal waits for the submit). */
  commandQueueOwnedIds: WeakSet<tf.DataId>;
  /** Set while `tf.profile`/`tf.time` times programs. */
  activeTimers?: unknown;
  /** The adapter's facts as tfjs sees them. */
  adapterInfo: { vendor?: string; architecture?: string };
  /** Opens a command encoder if none is open. */
  ensureCommandEncoderReady(): void;
  /** Ends the open compute pass, if any. */
  endComputePassEncoder(): void;
  /** Submits the open command encoder and releases what waited for it. */
  submitQueue(): void;
  /** Makes sure the data has a GPU buffer (uploading CPU values). */
  uploadToGPU(dataId: tf.DataId): void;
  /** A new tensor (no buffer until uploaded). */
  makeTensorInfo(
    shape: number[],
    dtype: tf.DataType,
    values?: unknown,
  ): tf.TensorInfo;
  /** Compiles (cached) and records one tfjs program. */
  runWebGPUProgram(
    program: TfjsProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: TfjsUniform[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
  /** Records one compiled tfjs program (replaced by ../webgpu/_tfjs_dispatch.ts). */
  recordAndSubmit(
    program: TfjsProgram,
    output: tf.TensorInfo,
    inputs: tf.TensorInfo[],
    uniforms?: TfjsUniform[],
  ): void;
  /** Increments a data's reference count. */
  incRef(dataId: tf.DataId): void;
}

/** The backend of a kernel call, typed with the internals above. */
export function asWebGpu(backend: tf.KernelBackend): WebGpuBackend {
  const candidate = backend as Partial<WebGpuBackend>;
  if (candidate.device === undefined || candidate.tensorMap === undefined) {
    throw new TypeError(
      "Cannot run a WebGPU kernel: the backend is not tfjs-backend-webgpu's",
    );
  }
  return backend as WebGpuBackend;
}

/** The GPU buffer of `t`, uploading it first when its values are still on the CPU. */
export function bufferOf(backend: WebGpuBackend, t: tf.TensorInfo): GPUBuffer {
  backend.uploadToGPU(t.dataId);
  return backend.tensorMap.get(t.dataId).resource!;
}
