/**
 * Training kernels for tfjs's webgpu backend, registered over tfjs-webgpu
 * 4.22's own as the project does for wasm (wasm_training_kernels.ts). Where
 * a kernel here does not handle a case (NCHW, dilations, a depthwise
 * channel multiplier) it calls the kernel it replaced.
 *
 * {@linkcode prepareWebGpuBackend} tunes the backend instance once it
 * exists: tfjs's programs go through this project's dispatcher (uniform
 * buffers and bind groups reused where shapes repeat, buffers handed out in
 * a repeatable order so that they do) and more dispatches go into each queue
 * submission.
 *
 * Each kernel is checked against the cpu backend in
 * tests/lib/nn/kernels/webgpu/.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { asWebGpu } from "./_webgpu_backend.ts";
import { routeTfjsDispatches } from "./_tfjs_dispatch.ts";
import { stabiliseBufferReuse } from "./_stable_buffers.ts";
import type { ConvAttrs } from "./_conv_info.ts";
import { conv2d } from "./conv2d.ts";
import { conv2dBackpropFilter } from "./conv2d_backprop_filter.ts";
import { conv2dBackpropInput } from "./conv2d_backprop_input.ts";
import { depthwiseConv2d } from "./depthwise_conv2d.ts";
import { depthwiseBackpropFilter } from "./depthwise_backprop_filter.ts";
import { depthwiseBackpropInput } from "./depthwise_backprop_input.ts";
import { BATCH_NORM_BUFFERS, batchNormTrain } from "./batch_norm_train.ts";
import { batchNormTrainGrad } from "./batch_norm_train_grad.ts";
import { silu, siluGrad } from "./silu.ts";
import { reduceRows } from "./reduce_rows.ts";
import { sigmoidGrad } from "./sigmoid_grad.ts";
import {
  registerFusedSigmoidGrad,
  SIGMOID_GRAD,
} from "../fused_sigmoid_grad.ts";
import {
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  BATCH_NORM_TRAIN_MOVING,
  registerFusedBatchNorm,
} from "../fused_batch_norm.ts";
import { registerFusedSwish, SILU, SILU_GRAD } from "../fused_swish.ts";
import { registerWebGpuDevice } from "./webgpu_device.ts";
import { arcMargin, arcMarginGrad } from "./arc_margin.ts";
import {
  ARC_MARGIN,
  ARC_MARGIN_GRAD,
  ARC_MARGIN_PER_CLASS,
  ARC_MARGIN_PER_CLASS_GRAD,
  type ArcMarginAttrs,
  registerFusedArcMargin,
} from "../fused_arc_margin.ts";

/** Marks kernel functions registered by this module, so registering twice is a no-op. */
const OURS = Symbol.for("@arcface/pipeline/nn/webgpu-training-kernel");

/** Dispatches per queue submission (tfjs's default is 15). */
export const SUBMIT_BATCH = 128;

type Info = tf.TensorInfo;
type KernelArgs = {
  inputs: Record<string, Info>;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
};
type Kernel = (args: KernelArgs) => Info | Info[];
/** A replacement: returns undefined to hand the call to the replaced kernel. */
type Replacement = (args: KernelArgs) => Info | Info[] | undefined;

/**
 * Registers the project's training kernels on the `webgpu` backend, the
 * fused ops' gradients and layer classes (registerFusedBatchNorm,
 * registerFusedSwish) and the device factory (webgpu_device.ts). Call before
 * the backend is first used; idempotent (tfjs's registry is process-wide).
 *
 * @throws {Error} when tfjs-backend-webgpu is not loaded
 */
export function registerWebGpuTrainingKernels(): void {
  const probe = tf.getKernel(tf.Conv2DBackpropFilter, "webgpu");
  if (probe === undefined) {
    throw new Error(
      'Cannot register webgpu training kernels: backend "webgpu" is not loaded (import "@tensorflow/tfjs-backend-webgpu" first)',
    );
  }
  if ((probe.kernelFunc as { [OURS]?: boolean })[OURS]) return;
  registerWebGpuDevice();
  registerFusedBatchNorm();
  registerFusedSwish();
  registerFusedArcMargin();
  registerFusedSigmoidGrad();
  const replacements: Record<string, Replacement> = {
    [tf.Conv2D]: ({ inputs, backend, attrs }) =>
      conv2d(
        asWebGpu(backend),
        inputs.x,
        inputs.filter,
        attrs as unknown as ConvAttrs,
      ),
    [tf.FusedConv2D]: ({ inputs, backend, attrs }) =>
      conv2d(
        asWebGpu(backend),
        inputs.x,
        inputs.filter,
        attrs as unknown as ConvAttrs & { activation?: string },
        inputs.bias,
        inputs.preluActivationWeights,
      ),
    [tf.Conv2DBackpropFilter]: ({ inputs, backend, attrs }) =>
      conv2dBackpropFilter(
        asWebGpu(backend),
        inputs.x,
        inputs.dy,
        attrs as unknown as ConvAttrs & { filterShape: number[] },
      ),
    [tf.Conv2DBackpropInput]: ({ inputs, backend, attrs }) =>
      conv2dBackpropInput(
        asWebGpu(backend),
        inputs.dy,
        inputs.filter,
        attrs as unknown as ConvAttrs & { inputShape: number[] },
      ),
    [tf.DepthwiseConv2dNative]: ({ inputs, backend, attrs }) =>
      depthwiseConv2d(
        asWebGpu(backend),
        inputs.x,
        inputs.filter,
        attrs as unknown as ConvAttrs,
      ),
    [tf.DepthwiseConv2dNativeBackpropFilter]: ({ inputs, backend, attrs }) =>
      depthwiseBackpropFilter(
        asWebGpu(backend),
        inputs.x,
        inputs.dy,
        attrs as unknown as ConvAttrs & { filterShape: number[] },
      ),
    [tf.DepthwiseConv2dNativeBackpropInput]: ({ inputs, backend, attrs }) =>
      depthwiseBackpropInput(
        asWebGpu(backend),
        inputs.dy,
        inputs.filter,
        attrs as unknown as ConvAttrs & { inputShape: number[] },
      ),
    // The project's fused ops (their gradients are registered by
    // registerFusedBatchNorm and registerFusedSwish).
    [BATCH_NORM_TRAIN]: ({ inputs, backend, attrs }) =>
      batchNormTrain(
        asWebGpu(backend),
        inputs.x,
        inputs.gamma,
        inputs.beta,
        attrs!.epsilon as number,
      ),
    [BATCH_NORM_TRAIN_GRAD]: ({ inputs, backend, attrs }) =>
      batchNormTrainGrad(
        asWebGpu(backend),
        inputs as never,
        attrs!.epsilon as number,
      ),
    [BATCH_NORM_TRAIN_MOVING]: ({ inputs, backend, attrs }) =>
      batchNormTrain(
        asWebGpu(backend),
        inputs.x,
        inputs.gamma,
        inputs.beta,
        attrs!.epsilon as number,
        {
          mean: inputs.movingMean,
          variance: inputs.movingVariance,
          decay: attrs!.decay as number,
        },
      ),
    [ARC_MARGIN]: marginKernel,
    [ARC_MARGIN_PER_CLASS]: marginKernel,
    [ARC_MARGIN_GRAD]: marginGradKernel,
    [ARC_MARGIN_PER_CLASS_GRAD]: marginGradKernel,
    [tf.Sum]: ({ inputs, backend, attrs }) =>
      reduceRows(
        asWebGpu(backend),
        inputs.x,
        attrs as unknown as { axis: number[]; keepDims: boolean },
        false,
      ),
    [tf.Mean]: ({ inputs, backend, attrs }) =>
      reduceRows(
        asWebGpu(backend),
        inputs.x,
        attrs as unknown as { axis: number[]; keepDims: boolean },
        true,
      ),
    [SIGMOID_GRAD]: ({ inputs, backend }) =>
      sigmoidGrad(asWebGpu(backend), inputs.dy, inputs.y),
    [SILU]: ({ inputs, backend }) => silu(asWebGpu(backend), inputs.x),
    [SILU_GRAD]: ({ inputs, backend }) =>
      siluGrad(asWebGpu(backend), inputs.dy, inputs.ds, inputs.x, inputs.s),
  };
  for (const [kernelName, replacement] of Object.entries(replacements)) {
    const replaced = tf.getKernel(kernelName, "webgpu");
    const fallback = replaced?.kernelFunc as Kernel | undefined;
    const kernelFunc: Kernel = (args) => {
      const result = replacement(args);
      if (result !== undefined) return result;
      if (fallback === undefined) {
        throw new Error(
          `Cannot run ${kernelName} on webgpu: this case has no kernel`,
        );
      }
      return fallback(args);
    };
    Object.defineProperty(kernelFunc, OURS, { value: true });
    if (replaced !== undefined) tf.unregisterKernel(kernelName, "webgpu");
    tf.registerKernel({
      kernelName,
      backendName: "webgpu",
      kernelFunc: kernelFunc as tf.KernelFunc,
      setupFunc: replaced?.setupFunc,
      disposeFunc: replaced?.disposeFunc,
    });
  }
}

/**
 * Tunes the active webgpu backend: its programs are recorded through the
 * project's dispatcher, and up to {@linkcode SUBMIT_BATCH} dispatches go
 * into one queue submission; on a device with fewer than 11 storage buffers
 * per stage the fused BatchNorm kernels are withdrawn. Idempotent.
 */
export function prepareWebGpuBackend(backend: tf.KernelBackend): void {
  const limit = asWebGpu(backend).device.limits.maxStorageBuffersPerShaderStage;
  if (limit < BATCH_NORM_BUFFERS) {
    // A device this small takes tfjs-layers' BatchNorm instead.
    for (
      const name of [
        BATCH_NORM_TRAIN,
        BATCH_NORM_TRAIN_MOVING,
        BATCH_NORM_TRAIN_GRAD,
      ]
    ) {
      if (tf.getKernel(name, "webgpu")) tf.unregisterKernel(name, "webgpu");
    }
  }
  routeTfjsDispatches(asWebGpu(backend));
  stabiliseBufferReuse(asWebGpu(backend));
  tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", SUBMIT_BATCH);
}

const marginKernel: Replacement = ({ inputs, backend, attrs }) =>
  arcMargin(
    asWebGpu(backend),
    inputs.cos,
    inputs.labels,
    inputs.margins,
    attrs as unknown as ArcMarginAttrs,
  );

const marginGradKernel: Replacement = ({ inputs, backend, attrs }) =>
  arcMarginGrad(
    asWebGpu(backend),
    inputs.dy,
    inputs.cos,
    inputs.labels,
    inputs.margins,
    attrs as unknown as ArcMarginAttrs,
  );
