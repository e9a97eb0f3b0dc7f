/**
 * SiLU (tfjs-layers' "swish" activation, EfficientNet's activation) as one
 * kernel pair on the wasm backend. tfjs-layers computes `x * sigmoid(1 * x)`:
 * three ops forward and about seven in the backward pass, ~70 times per
 * EfficientNetV2-B0 step. Here the forward is XNNPACK's sigmoid plus one
 * SIMD multiply, the backward one SIMD pass.
 *
 * {@linkcode registerFusedSwish} replaces the "swish" activation class for
 * layers deserialised afterwards (same name, config and maths); backends
 * without the kernels (those here are wasm's; webgpu/silu.ts has webgpu's)
 * and `alpha != 1` keep tfjs-layers' code.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  addressOf,
  allocate,
  simdKernels,
  type WasmBackend,
  wasmKernel,
} from "./wasm_heap.ts";

/** Kernel name of the fused forward pass: input {x}, outputs [y, sigmoid(x)]. */
export const SILU = "ArcfaceSilu";
/** Kernel name of its gradient: inputs {dy, ds, x, s}, output dx. */
export const SILU_GRAD = "ArcfaceSiluGrad";

type ActivationClass = new () => {
  apply(x: tf.Tensor, alpha?: number): tf.Tensor;
};

/** Registers the kernels (wasm), their gradient and the "swish" activation class. Idempotent. */
export function registerFusedSwish(): void {
  if (tf.getKernel(SILU, "wasm") === undefined) {
    tf.registerKernel({
      kernelName: SILU,
      backendName: "wasm",
      kernelFunc: forwardKernel as never,
    });
    tf.registerKernel({
      kernelName: SILU_GRAD,
      backendName: "wasm",
      kernelFunc: gradKernel as never,
    });
    tf.registerGradient({
      kernelName: SILU,
      inputsToSave: ["x"],
      outputsToSave: [false, true],
      gradFunc: (dys, saved) => {
        const [dy, ds] = dys as tf.Tensor[];
        const [x, s] = saved;
        return {
          x: () =>
            tf.engine().runKernel(SILU_GRAD, { dy, ds, x, s }) as tf.Tensor,
        };
      },
    });
  }
  const entry =
    tf.serialization.SerializationMap.getMap().classNameMap["swish"];
  const Base = entry[0] as unknown as ActivationClass & { fused?: boolean };
  if (Base.fused) return;
  class FusedSwish extends Base {
    static className = "swish";
    static override fused = true;
    override apply(x: tf.Tensor, alpha = 1): tf.Tensor {
      if (
        alpha !== 1 || x.dtype !== "float32" ||
        tf.getKernel(SILU, tf.getBackend()) === undefined
      ) {
        return super.apply(x, alpha);
      }
      return tf.tidy(() =>
        (tf.engine().runKernel(SILU, { x }) as tf.Tensor[])[0]
      );
    }
  }
  tf.serialization.registerClass(FusedSwish as never);
}

type KernelArgs = {
  inputs: Record<string, tf.TensorInfo>;
  backend: WasmBackend;
};

function forwardKernel({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { x } = inputs;
  const s = wasmKernel(tf.Sigmoid)({ inputs: { x }, backend });
  const y = allocate(backend, x.shape);
  const n = x.shape.reduce((a, b) => a * b, 1);
  simdKernels(backend).mul_f32(
    addressOf(backend, y),
    addressOf(backend, x),
    addressOf(backend, s),
    n,
  );
  return [y, s];
}

function gradKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy, ds, x, s } = inputs;
  const dx = allocate(backend, x.shape);
  const n = x.shape.reduce((a, b) => a * b, 1);
  simdKernels(backend).silu_grad_f32(
    addressOf(backend, dy),
    ds === undefined ? 0 : addressOf(backend, ds),
    addressOf(backend, x),
    addressOf(backend, s),
    addressOf(backend, dx),
    n,
  );
  return dx;
}
