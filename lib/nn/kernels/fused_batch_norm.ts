/**
 * Batch normalisation in training mode as one fused kernel pair on the wasm
 * backend. tfjs-layers builds it from `tf.moments` + `tf.batchNorm`, whose
 * backward pass is a dozen full-size elementwise ops, reductions that the
 * wasm backend runs as transpose + reduce, and a `Tile` per layer: at 64 px
 * that was about half of an EfficientNetV2-B0 training step. Here the forward
 * is 3 passes over the activations and the backward 2.
 *
 * {@linkcode registerFusedBatchNorm} makes every `BatchNormalization` layer
 * deserialised afterwards (from model.json) an instance of
 * {@linkcode FusedBatchNormalization}: the same config, weights and
 * serialised form, and the same maths as tfjs-layers (biased batch variance,
 * Keras-style moving averages `moving -= (moving - batch) * (1 - momentum)`).
 * Only training calls with the channel axis last, on a backend that has the
 * kernels (wasm here; webgpu in webgpu/batch_norm_train.ts), take the fused
 * path; everything else runs tfjs-layers' own code.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  addressOf,
  allocate,
  free,
  simdKernels,
  type WasmBackend,
} from "./wasm_heap.ts";

/** Kernel name of the fused forward pass: inputs {x, gamma, beta}, outputs [y, mean, variance]. */
export const BATCH_NORM_TRAIN = "ArcfaceBatchNormTrain";
/** Kernel name of its gradient: inputs {dy, x, mean, variance, gamma, dmean, dvariance}, outputs [dx, dgamma, dbeta]. */
export const BATCH_NORM_TRAIN_GRAD = "ArcfaceBatchNormTrainGrad";

/**
 * Kernel name of the forward pass that also moves the moving averages, for
 * backends that have it (webgpu): inputs {x, gamma, beta, movingMean,
 * movingVariance}, attrs {epsilon, decay (1 − momentum)}, outputs [y, mean,
 * variance, movingMean, movingVariance]; its gradient is the plain op's.
 */
export const BATCH_NORM_TRAIN_MOVING = "ArcfaceBatchNormTrainMoving";

/** The fields of tfjs-layers' BatchNormalization that its typings keep private. */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tfl.LayerVariable;
  beta: tfl.LayerVariable;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

type BatchNormClass = new (args?: object) => tfl.layers.Layer;

/**
 * Registers the fused kernels (wasm) and their gradient, and makes
 * deserialised `BatchNormalization` layers use them. Idempotent.
 */
export function registerFusedBatchNorm(): void {
  if (tf.getKernel(BATCH_NORM_TRAIN, "wasm") === undefined) {
    tf.registerKernel({
      kernelName: BATCH_NORM_TRAIN,
      backendName: "wasm",
      kernelFunc: forwardKernel as never,
    });
    tf.registerKernel({
      kernelName: BATCH_NORM_TRAIN_GRAD,
      backendName: "wasm",
      kernelFunc: gradKernel as never,
    });
    for (const kernelName of [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_MOVING]) {
      tf.registerGradient({
        kernelName,
        inputsToSave: ["x", "gamma"],
        outputsToSave: [false, true, true],
        gradFunc: (dys, saved, attrs) => {
          const [dy, dmean, dvariance] = dys as tf.Tensor[];
          const [x, gamma, mean, variance] = saved;
          const [dx, dgamma, dbeta] = tf.engine().runKernel(
            BATCH_NORM_TRAIN_GRAD,
            { dy, x, mean, variance, gamma, dmean, dvariance },
            attrs,
          ) as tf.Tensor[];
          return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
        },
      });
    }
  }
  tf.serialization.registerClass(fusedBatchNormalizationClass() as never);
}

/** The layer class (built on first use: it extends tfjs-layers' class, which is only reachable from an instance). */
export function fusedBatchNormalizationClass(): BatchNormClass {
  const Base = Object.getPrototypeOf(tfl.layers.batchNormalization({}))
    .constructor as BatchNormClass;
  return class FusedBatchNormalization extends Base {
    static className = "BatchNormalization";

    override call(
      inputs: tf.Tensor | tf.Tensor[],
      kwargs: Record<string, unknown>,
    ): tf.Tensor | tf.Tensor[] {
      const f = this as unknown as BatchNormFields;
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const axis = f.axis >= 0 ? f.axis : f.axis + x.rank;
      const fusable = kwargs.training === true && axis === x.rank - 1 &&
        f.scale && f.center &&
        x.dtype === "float32" &&
        tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) !== undefined;
      if (!fusable) return super.call(inputs, kwargs);
      return tf.tidy(() => {
        const decay = 1 - f.momentum;
        if (
          tf.getKernel(BATCH_NORM_TRAIN_MOVING, tf.getBackend()) !== undefined
        ) {
          // One kernel for the statistics, y and the moving averages.
          const [y, , , movingMean, movingVariance] = tf.engine().runKernel(
            BATCH_NORM_TRAIN_MOVING,
            {
              x,
              gamma: f.gamma.read(),
              beta: f.beta.read(),
              movingMean: f.movingMean.read(),
              movingVariance: f.movingVariance.read(),
            },
            { epsilon: f.epsilon, decay },
          ) as tf.Tensor[];
          f.movingMean.write(movingMean);
          f.movingVariance.write(movingVariance);
          return y;
        }
        const [y, mean, variance] = tf.engine().runKernel(
          BATCH_NORM_TRAIN,
          { x, gamma: f.gamma.read(), beta: f.beta.read() },
          { epsilon: f.epsilon },
        ) as tf.Tensor[];
        for (
          const [variable, value] of [[f.movingMean, mean], [
            f.movingVariance,
            variance,
          ]] as const
        ) {
          const current = variable.read();
          variable.write(
            tf.sub(current, tf.mul(tf.sub(current, value), decay)),
          );
        }
        return y;
      });
    }
  };
}

type KernelArgs = {
  inputs: Record<string, tf.TensorInfo>;
  backend: WasmBackend;
  attrs: { epsilon: number };
};

function forwardKernel(
  { inputs, backend, attrs }: KernelArgs,
): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs;
  const c = x.shape[x.shape.length - 1],
    rows = x.shape.reduce((a, b) => a * b, 1) / c;
  const y = allocate(backend, x.shape),
    mean = allocate(backend, [c]),
    variance = allocate(backend, [c]);
  const scratch = allocate(backend, [2 * c]);
  simdKernels(backend).batch_norm_train_f32(
    addressOf(backend, x),
    addressOf(backend, gamma),
    addressOf(backend, beta),
    attrs.epsilon,
    rows,
    c,
    addressOf(backend, y),
    addressOf(backend, mean),
    addressOf(backend, variance),
    addressOf(backend, scratch),
  );
  free(backend, scratch);
  return [y, mean, variance];
}

function gradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, mean, variance, gamma, dmean, dvariance } = inputs;
  const c = x.shape[x.shape.length - 1],
    rows = x.shape.reduce((a, b) => a * b, 1) / c;
  const dx = allocate(backend, x.shape),
    dgamma = allocate(backend, [c]),
    dbeta = allocate(backend, [c]);
  const scratch = allocate(backend, [3 * c]);
  simdKernels(backend).batch_norm_train_grad_f32(
    addressOf(backend, dy),
    addressOf(backend, x),
    addressOf(backend, mean),
    addressOf(backend, variance),
    addressOf(backend, gamma),
    addressOf(backend, dmean),
    addressOf(backend, dvariance),
    attrs.epsilon,
    rows,
    c,
    addressOf(backend, dx),
    addressOf(backend, dgamma),
    addressOf(backend, dbeta),
    addressOf(backend, scratch),
  );
  free(backend, scratch);
  return [dx, dgamma, dbeta];
}
