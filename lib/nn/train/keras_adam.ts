/**
 * Adam as Keras/TensorFlow computes it (the notebook's optimizer), with Keras's
 * defaults: beta1 0.9, beta2 0.999, epsilon 1e-7, and the step
 *
 *     m += (g - m)(1 - beta1);  v += (g² - v)(1 - beta2)
 *     p -= lr·sqrt(1 - beta2^t)/(1 - beta1^t) · m / (sqrt(v) + epsilon)
 *
 * (tfjs's own AdamOptimizer adds epsilon to the bias-corrected sqrt(v)
 * instead, which differs while v is tiny). On the wasm backend one SIMD
 * kernel updates each variable, on webgpu a few fused dispatches update all
 * of them in place (about a dozen tfjs ops per variable otherwise);
 * elsewhere tfjs ops do. The learning rate may change between steps (`learningRate`).
 * The bias correction uses the step count in double precision, so a resumed
 * run continues bit-identically.
 *
 * State for checkpoints follows tfjs's Adam: `getWeights()` returns the
 * iteration count then every `<variable>/m`, then every `<variable>/v`, and
 * moments belong to variables by position (the order gradients are given in),
 * as a reloaded model's variables get new names.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

type NamedTensor = { name: string; tensor: tf.Tensor };
import {
  addressOf,
  allocate,
  simdKernels,
  type WasmBackend,
} from "../kernels/wasm_heap.ts";
import { applyAdam, copyTensor } from "../kernels/webgpu/adam.ts";
import type { WebGpuBackend } from "../kernels/webgpu/_webgpu_backend.ts";

/** Settings of {@linkcode KerasAdam}. */
export interface KerasAdamConfig {
  /** Learning rate. @default 0.001 */
  learningRate?: number;
  /** Decay of the first moment. @default 0.9 */
  beta1?: number;
  /** Decay of the second moment. @default 0.999 */
  beta2?: number;
  /** Added to sqrt(v). @default 1e-7 */
  epsilon?: number;
}

interface Slot {
  name: string;
  m: tf.Variable;
  v: tf.Variable;
}

/** Adam with Keras's update rule and defaults. */
export class KerasAdam extends tf.Optimizer {
  /** Serialisation name. */
  static className = "KerasAdam";
  /** Learning rate of the next step. */
  learningRate: number;
  /** Decay of the first moment. */
  readonly beta1: number;
  /** Decay of the second moment. */
  readonly beta2: number;
  /** Added to sqrt(v). */
  readonly epsilon: number;
  /**
   * The loss of the step being applied, on backends that can skip a step on
   * the device (webgpu): a non-finite value leaves every variable and moment
   * as it was, so the step can be applied before its loss is read back.
   */
  guard: tf.Tensor | undefined;
  #slots: Slot[] = [];

  constructor(config: KerasAdamConfig = {}) {
    super();
    this.learningRate = config.learningRate ?? 0.001;
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-7;
  }

  override applyGradients(
    variableGradients: tf.NamedTensorMap | NamedTensor[],
  ): void {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(variableGradients);
    const t = this.iterations + 1;
    const lrT = this.learningRate * Math.sqrt(1 - this.beta2 ** t) /
      (1 - this.beta1 ** t);
    if (tf.getBackend() === "webgpu") {
      this.#applyWebGpu(entries, lrT);
      this.incrementIterations();
      return;
    }
    const backend = tf.getBackend() === "wasm"
      ? tf.backend() as unknown as WasmBackend
      : undefined;
    for (const [i, [name, gradient]] of entries.entries()) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      const slot = this.#slot(i, name, variable);
      if (backend !== undefined && gradient.dtype === "float32") {
        this.#applyWasm(backend, variable, gradient, slot, lrT);
      } else {
        this.#applyOps(variable, gradient, slot, lrT);
      }
    }
    this.incrementIterations();
  }

  #slot(index: number, name: string, variable: tf.Variable): Slot {
    let slot = this.#slots[index];
    if (slot === undefined) {
      slot = tf.tidy(() => ({
        name,
        m: tf.variable(tf.zerosLike(variable), false),
        v: tf.variable(tf.zerosLike(variable), false),
      }));
      this.#slots[index] = slot;
    }
    if (!tf.util.arraysEqual(slot.m.shape, variable.shape)) {
      throw new Error(
        `Cannot apply Adam to variable ${index} "${name}": its shape ${
          JSON.stringify(variable.shape)
        } differs from its moments' ${JSON.stringify(slot.m.shape)}`,
      );
    }
    return slot;
  }

  #applyWasm(
    backend: WasmBackend,
    variable: tf.Variable,
    gradient: tf.Tensor,
    slot: Slot,
    lrT: number,
  ): void {
    // The moments are updated in place: they must not share data with any
    // other tensor (the project's wasm Identity shares data, e.g. tf.clone).
    for (const moment of [slot.m, slot.v]) {
      if (backend.refCount(moment.dataId) > 1) {
        tf.tidy(() => moment.assign(tf.add(moment, 0)));
      }
    }
    const out = allocate(backend, variable.shape);
    simdKernels(backend).adam_f32(
      addressOf(backend, variable),
      addressOf(backend, out),
      addressOf(backend, gradient),
      addressOf(backend, slot.m),
      addressOf(backend, slot.v),
      variable.size,
      lrT,
      this.beta1,
      this.beta2,
      this.epsilon,
    );
    const next = tf.engine().makeTensorFromTensorInfo(out);
    variable.assign(next);
    next.dispose();
  }

  /** All float32 variables in a few fused in-place dispatches (the rest by tfjs ops). */
  #applyWebGpu(
    entries: (readonly [string, tf.Tensor])[],
    lrT: number,
  ): void {
    const backend = tf.backend() as unknown as WebGpuBackend;
    const slots = [];
    for (const [i, [name, gradient]] of entries.entries()) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      const slot = this.#slot(i, name, variable);
      if (gradient.dtype !== "float32") {
        this.#applyOps(variable, gradient, slot, lrT);
        continue;
      }
      // Updated in place: each must own its data (webgpu's Identity shares it).
      for (const t of [variable, slot.m, slot.v]) {
        if (backend.refCount(t.dataId) > 1) {
          const copy = tf.engine().makeTensorFromTensorInfo(
            copyTensor(backend, t),
          );
          t.assign(copy);
          copy.dispose();
        }
      }
      slots.push({ param: variable, grad: gradient, m: slot.m, v: slot.v });
    }
    applyAdam(backend, slots, {
      lrT,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    }, this.guard);
  }

  #applyOps(
    variable: tf.Variable,
    gradient: tf.Tensor,
    slot: Slot,
    lrT: number,
  ): void {
    tf.tidy(() => {
      const m = tf.add(
        slot.m,
        tf.mul(tf.sub(gradient, slot.m), 1 - this.beta1),
      );
      const v = tf.add(
        slot.v,
        tf.mul(tf.sub(tf.square(gradient), slot.v), 1 - this.beta2),
      );
      slot.m.assign(m);
      slot.v.assign(v);
      variable.assign(
        tf.sub(
          variable,
          tf.div(tf.mul(m, lrT), tf.add(tf.sqrt(v), this.epsilon)),
        ),
      );
    });
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [
      await this.saveIterations(),
      ...this.#slots.map((s) => ({ name: `${s.name}/m`, tensor: s.m })),
      ...this.#slots.map((s) => ({ name: `${s.name}/v`, tensor: s.v })),
    ];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const values = await this.extractIterations(weightValues);
    const half = values.length / 2;
    this.#disposeSlots();
    // Fresh copies: the moments are updated in place and must own their data.
    // (read asynchronously: the webgpu backend cannot read synchronously under Deno)
    const copy = async (t: tf.Tensor) =>
      tf.variable(tf.tensor(await t.data(), t.shape), false);
    for (let i = 0; i < half; i++) {
      const name = values[i].name.replace(/\/m$/, "");
      this.#slots.push({
        name,
        m: await copy(values[i].tensor),
        v: await copy(values[i + half].tensor),
      });
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
  }

  /** Recreates an optimizer from {@linkcode getConfig}'s output. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config as KerasAdamConfig);
  }

  override dispose(): void {
    this.#disposeSlots();
  }

  #disposeSlots(): void {
    for (const slot of this.#slots) tf.dispose([slot.m, slot.v]);
    this.#slots = [];
  }
}

tf.serialization.registerClass(KerasAdam);
