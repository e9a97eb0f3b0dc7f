/**
 * One model replica's training step, in two halves so replicas can combine
 * gradients between them: {@linkcode TrainReplica.computeGradients} (forward,
 * categorical cross-entropy from logits, backward; gradients are kept) and
 * {@linkcode TrainReplica.apply} (Adam). A data-parallel trainer calls
 * {@linkcode TrainReplica.exportState} / {@linkcode TrainReplica.combine} in
 * between; a single replica goes straight to `apply`, or to `discard` when
 * the loss is not finite, so a NaN never reaches the weights.
 *
 * Everything a step creates is disposed: `tf.memory().numTensors` is the
 * same after every step from the second on (Adam creates its moments on the
 * first).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { KerasAdam } from "./keras_adam.ts";
import { weightedSums, writeFlat } from "./_state_exchange.ts";
import { setDropoutStep } from "../model/seeded_dropout.ts";
import {
  type RetrievalInference,
  retrievalInference,
} from "../model/retrieval_inference.ts";

/** One forward and backward pass. */
interface PassResult {
  loss: number;
  ranks: ArrayLike<number>;
  plainRanks: ArrayLike<number>;
  grads: tf.Tensor[];
}

/** Dropout mask streams reserved per (step, replica): micro-batches beyond it would reuse masks. */
const MAX_MICRO_BATCHES = 1024;

/** Loss and top-k hit counts of one (sub-)batch. */
export interface StepResult {
  /** Mean categorical cross-entropy over the batch (may be NaN/Inf). */
  loss: number;
  /** Samples whose label is among the k highest training logits (with the margin, as the notebook counts), per k. */
  correct: Record<string, number>;
  /** The same counted on the margin-free logits (what inference predicts), per k. */
  correctPlain: Record<string, number>;
}

/** Per-step settings besides the learning rate. */
export interface StepOptions {
  /** Multiplies the ArcFace margins (a warm-up ramps it from 0 to 1). @default 1 */
  marginScale?: number;
}

/** What a replica trains with besides the model and the optimizer. */
export interface ReplicaOptions {
  /** k values of top-k accuracy. */
  topK: readonly number[];
  /**
   * Most images per forward/backward pass; a larger batch is split and its
   * gradients accumulated (bounds memory; BN then normalises per
   * micro-batch). Undefined: no split.
   */
  microBatch?: number;
  /**
   * This replica's index and the replica count: seeded dropout masks are
   * drawn per (step, replica, micro-batch), so replicas drop different
   * samples' paths. @default { index: 0, count: 1 }
   */
  replica?: { index: number; count: number };
  /** Label smoothing ε of the cross-entropy (targets (1 − ε)·onehot + ε/n). @default 0 */
  labelSmoothing?: number;
}

/** Distinct k values capped at the class count, ascending. */
export function capTopK(topK: readonly number[], classes: number): number[] {
  for (const k of topK) {
    if (!(Number.isInteger(k) && k >= 1)) {
      throw new RangeError(
        `Cannot count top-${k} accuracy: k must be an integer >= 1`,
      );
    }
  }
  return [...new Set(topK.map((k) => Math.min(k, classes)))].sort((a, b) =>
    a - b
  );
}

/** A model, its optimizer and the gradients of the last step. */
export class TrainReplica {
  /** Input image size (pixels per side). */
  readonly imgSize: number;
  /** Number of classes (logits per sample). */
  readonly classes: number;
  /** The k values counted, capped at the class count. */
  readonly topK: number[];
  /** Floats in {@linkcode exportState}'s layout: trainable gradients, then non-trainable weights. */
  readonly stateSize: number;
  #model: tfl.LayersModel;
  #optimizer: KerasAdam;
  #variables: tf.Variable[];
  #grads: tf.Tensor[] | undefined;
  /** Non-trainable weights (BN moving statistics) from before the pending step's forward pass. */
  #previousStats: tf.Tensor[] | undefined;

  readonly microBatch?: number;
  readonly replica: { index: number; count: number };
  readonly labelSmoothing: number;
  #view: RetrievalInference;

  constructor(
    model: tfl.LayersModel,
    optimizer: KerasAdam,
    options: ReplicaOptions,
  ) {
    const { microBatch } = options;
    this.microBatch = microBatch;
    this.replica = options.replica ?? { index: 0, count: 1 };
    this.labelSmoothing = options.labelSmoothing ?? 0;
    if (
      microBatch !== undefined &&
      !(Number.isInteger(microBatch) && microBatch >= 1)
    ) {
      throw new RangeError(
        `Cannot split batches into micro-batches of ${microBatch}: use an integer >= 1`,
      );
    }
    const input = model.inputs[0].shape;
    if (
      input.length !== 4 || input[1] !== input[2] || input[3] !== 3 ||
      model.inputs.length > 2
    ) {
      throw new TypeError(
        `Cannot train model "${model.name}": expected the inputs [image [B, S, S, 3], label [B, 1]] (ArcFace) or [image [B, S, S, 3]] (softmax), got ${
          JSON.stringify(model.inputs.map((i) => i.shape))
        }`,
      );
    }
    this.imgSize = input[1] as number;
    this.classes = model.outputs[0].shape[1] as number;
    this.topK = capTopK(options.topK, this.classes);
    this.#view = retrievalInference(model);
    this.#model = model;
    this.#optimizer = optimizer;
    this.#variables = model.trainableWeights.map((w) =>
      w.read() as tf.Variable
    );
    const count = (ws: tfl.LayerVariable[]) =>
      ws.reduce(
        (n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1),
        0,
      );
    this.stateSize = count(model.trainableWeights) +
      count(model.nonTrainableWeights);
  }

  /** The model being trained. */
  get model(): tfl.LayersModel {
    return this.#model;
  }

  /** The optimizer. */
  get optimizer(): KerasAdam {
    return this.#optimizer;
  }

  /**
   * Forward and backward pass on `images` (`[n, S, S, 3]`, flattened) and
   * `labels` (`[n]`); keeps the gradients for {@linkcode apply}.
   */
  async computeGradients(
    images: Float32Array,
    labels: Int32Array,
    options: StepOptions = {},
  ): Promise<StepResult> {
    this.discard();
    if (this.#view.arc) this.#view.arc.marginScale = options.marginScale ?? 1;
    const n = labels.length, pixels = this.imgSize * this.imgSize * 3;
    if (n === 0) {
      throw new RangeError(
        "Cannot train on an empty batch: give at least one image",
      );
    }
    if (images.length !== n * pixels) {
      throw new RangeError(
        `Cannot train on ${images.length} floats of images: ${n} labels need ${n}x${this.imgSize}x${this.imgSize}x3 = ${
          n * pixels
        }`,
      );
    }
    // The forward pass moves the BN statistics: keep the old ones until the step is applied.
    const previous = this.#model.nonTrainableWeights.map((w) =>
      tf.clone(w.read())
    );
    this.#previousStats = previous;
    const size = Math.min(n, this.microBatch ?? n);
    // Dropout masks are keyed by the optimizer's step count (saved in
    // checkpoints), the replica and the micro-batch: resumable, and distinct
    // across replicas.
    const maskStep = (micro: number) =>
      ((this.#optimizer.iterations * this.replica.count + this.replica.index) *
        MAX_MICRO_BATCHES) + micro;
    if (size === n) {
      setDropoutStep(this.#model, maskStep(0));
      const pass = await this.#pass(images, labels);
      this.#grads = pass.grads;
      return this.#result(pass.loss, pass.ranks, pass.plainRanks);
    }
    // Micro-batches: gradients, loss and BN statistics are averaged weighted
    // by size; each micro-batch starts from the step's initial statistics.
    let loss = 0;
    const ranks: number[] = [];
    const plainRanks: number[] = [];
    let grads: tf.Tensor[] | undefined, stats: tf.Tensor[] | undefined;
    for (let start = 0; start < n; start += size) {
      const end = Math.min(n, start + size), w = (end - start) / n;
      if (start > 0) {
        this.#model.nonTrainableWeights.forEach((v, i) => v.write(previous[i]));
      }
      setDropoutStep(this.#model, maskStep(start / size));
      const pass = await this.#pass(
        images.subarray(start * pixels, end * pixels),
        labels.subarray(start, end),
      );
      loss += w * pass.loss;
      ranks.push(...Array.from(pass.ranks));
      plainRanks.push(...Array.from(pass.plainRanks));
      const newStats = this.#model.nonTrainableWeights.map((v) => v.read());
      const next = tf.tidy(() => ({
        grads: pass.grads.map((g, i) =>
          grads ? tf.add(grads[i], tf.mul(g, w)) : tf.mul(g, w)
        ),
        stats: newStats.map((t, i) =>
          stats ? tf.add(stats[i], tf.mul(t, w)) : tf.mul(t, w)
        ),
      }));
      tf.dispose([...pass.grads, ...(grads ?? []), ...(stats ?? [])]);
      ({ grads, stats } = next);
    }
    this.#model.nonTrainableWeights.forEach((v, i) => v.write(stats![i]));
    tf.dispose(stats!);
    this.#grads = grads;
    return this.#result(loss, ranks, plainRanks);
  }

  /** Forward and backward on one (micro-)batch; a wasm abort (heap exhausted) gets a hint. */
  async #pass(
    images: Float32Array,
    labels: Int32Array,
  ): Promise<PassResult> {
    try {
      return await this.#passUnchecked(images, labels);
    } catch (error) {
      if (
        error instanceof WebAssembly.RuntimeError &&
        // An exhausted heap shows up as an abort or as an access past its end.
        /Aborted|memory access out of bounds/.test(error.message)
      ) {
        throw new RangeError(
          `Cannot train on ${labels.length} images of ${this.imgSize}x${this.imgSize} at once: the wasm heap (4 GB) ran out and the backend is unusable now. Set a smaller microBatch (or batch size)`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async #passUnchecked(
    images: Float32Array,
    labels: Int32Array,
  ): Promise<PassResult> {
    const recorded = this.#record(images, labels);
    // One asynchronous read for the loss and both ranks: the webgpu backend
    // cannot read synchronously under Deno, and each read costs a round trip.
    const values = await recorded.metrics.data() as Float32Array;
    tf.dispose([recorded.metrics, recorded.loss]);
    return {
      loss: values[0],
      ranks: values.subarray(1, 1 + labels.length),
      plainRanks: values.subarray(1 + labels.length),
      grads: recorded.grads,
    };
  }

  /**
   * Forward and backward on one (micro-)batch, recorded without reading
   * anything back: the loss, the gradients, and `[loss, ranks…, plain
   * ranks…]` as one tensor to read.
   */
  #record(
    images: Float32Array,
    labels: Int32Array,
  ): { metrics: tf.Tensor1D; loss: tf.Scalar; grads: tf.Tensor[] } {
    const n = labels.length, s = this.imgSize;
    const x = tf.tensor4d(images, [n, s, s, 3]);
    const y = tf.tensor2d(labels, [n, 1], "int32");
    const view = this.#view;
    let logits: tf.Tensor2D | undefined, plain: tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() => {
        // ArcFace: the training logits carry the margin; the margin-free
        // s·cos of the same embeddings is what inference will predict.
        let out: tf.Tensor2D, free: tf.Tensor2D;
        if (view.arc) {
          const embeddings = view.embedding.apply(x, {
            training: true,
          }) as tf.Tensor2D;
          out = view.arc.trainingLogits(embeddings, y);
          free = view.logits(embeddings);
        } else {
          out = this.#model.apply(x, { training: true }) as tf.Tensor2D;
          free = out;
        }
        logits = tf.keep(out);
        plain = free === out ? logits : tf.keep(free);
        const onehot = tf.oneHot(tf.reshape(y, [n]), this.classes);
        return tf.losses.softmaxCrossEntropy(
          onehot,
          out,
          undefined,
          this.labelSmoothing,
        ) as tf.Scalar;
      }), this.#variables);
    // Rank of the true class: how many logits beat it (ties count as hits).
    const rankOf = (scores: tf.Tensor2D) =>
      tf.tidy(() => {
        const truth = tf.sum(
          tf.mul(scores, tf.oneHot(tf.reshape(y, [n]), this.classes)),
          1,
          true,
        );
        return tf.sum(tf.cast(tf.greater(scores, truth), "int32"), 1);
      });
    const metrics = tf.tidy(() => {
      const ranks = rankOf(logits!);
      const plainRanks = plain === logits ? ranks : rankOf(plain!);
      return tf.concat([
        tf.reshape(value, [1]),
        tf.cast(ranks, "float32"),
        tf.cast(plainRanks, "float32"),
      ]) as tf.Tensor1D;
    });
    tf.dispose([x, y, logits!, plain!]);
    return {
      metrics,
      loss: value,
      grads: this.#variables.map((v) => grads[v.name]),
    };
  }

  /**
   * Whether {@linkcode stepRecorded} can take the next step before this
   * one's results are read (webgpu, no micro-batches): the optimizer skips a
   * non-finite step on the device.
   */
  get recordsWholeSteps(): boolean {
    return tf.getBackend() === "webgpu" && this.microBatch === undefined;
  }

  /**
   * The whole step (forward, backward, Adam at `lr`) recorded at once; the
   * promise resolves once its loss and ranks are read back, and the next
   * step may be recorded before that. A non-finite loss skips the update on
   * the device (the optimizer's guard), and the BN statistics it moved are
   * restored when the loss is read. Only where {@linkcode recordsWholeSteps}.
   */
  stepRecorded(
    images: Float32Array,
    labels: Int32Array,
    lr: number,
    options: StepOptions = {},
  ): Promise<StepResult & { applied: boolean }> {
    this.discard();
    if (this.#view.arc) this.#view.arc.marginScale = options.marginScale ?? 1;
    const n = labels.length, pixels = this.imgSize * this.imgSize * 3;
    if (n === 0 || images.length !== n * pixels) {
      return Promise.reject(
        new RangeError(
          `Cannot train on ${images.length} floats of images and ${n} labels: give n >= 1 images of ${this.imgSize}x${this.imgSize}x3`,
        ),
      );
    }
    const previous = this.#model.nonTrainableWeights.map((w) =>
      tf.clone(w.read())
    );
    setDropoutStep(
      this.#model,
      (this.#optimizer.iterations * this.replica.count + this.replica.index) *
        MAX_MICRO_BATCHES,
    );
    const recorded = this.#record(images, labels);
    this.#optimizer.learningRate = lr;
    this.#optimizer.guard = recorded.loss;
    try {
      this.#optimizer.applyGradients(
        this.#variables.map((v, i) => ({
          name: v.name,
          tensor: recorded.grads[i],
        })),
      );
    } finally {
      this.#optimizer.guard = undefined;
      tf.dispose(recorded.grads);
    }
    return (async () => {
      try {
        const values = await recorded.metrics.data() as Float32Array;
        const loss = values[0], applied = Number.isFinite(loss);
        if (!applied) {
          this.#model.nonTrainableWeights.forEach((w, i) =>
            w.write(previous[i])
          );
        }
        return {
          ...this.#result(
            loss,
            values.subarray(1, 1 + n),
            values.subarray(1 + n),
          ),
          applied,
        };
      } finally {
        tf.dispose([recorded.metrics, recorded.loss, ...previous]);
      }
    })();
  }

  /**
   * Embeddings `[n, D]` and margin-free logits `[n, classes]` of `images`
   * (`[n, S, S, 3]`, flattened), in inference mode (BN moving statistics, no
   * dropout), with the current weights.
   */
  async predict(
    images: Float32Array,
  ): Promise<{ embeddings: Float32Array; logits: Float32Array; dims: number }> {
    const s = this.imgSize, n = images.length / (s * s * 3);
    const out = tf.tidy(() =>
      this.#view.predict(tf.tensor4d(images, [n, s, s, 3]))
    );
    const embeddings = await out.embeddings.data() as Float32Array;
    const logits = await out.logits.data() as Float32Array;
    const dims = out.embeddings.shape[1];
    tf.dispose([out.embeddings, out.logits]);
    return { embeddings, logits, dims };
  }

  #result(
    loss: number,
    ranks: ArrayLike<number>,
    plainRanks: ArrayLike<number>,
  ): StepResult {
    const count = (values: ArrayLike<number>) =>
      Object.fromEntries(
        this.topK.map((
          k,
        ) => [k, Array.from(values).filter((r) => r < k).length]),
      );
    return { loss, correct: count(ranks), correctPlain: count(plainRanks) };
  }

  /** Copies the kept gradients, then the non-trainable weights (BN statistics), into `target`. */
  exportState(target: Float32Array): void {
    const stats = this.#model.nonTrainableWeights.map((w) => w.read());
    writeFlat([...this.#kept(), ...stats], target);
  }

  /**
   * Replaces the kept gradients and the non-trainable weights by the
   * weighted sums of the replicas' exported states (`sum_r weights[r] * regions[r]`,
   * summed in replica order, so every replica computes identical values).
   */
  combine(regions: Float32Array[], weights: number[]): void {
    // A replica that had no samples this step has no gradients of its own:
    // shapes come from the variables.
    const shapes = [...this.#variables, ...this.#model.nonTrainableWeights].map(
      (w) => w.shape as number[],
    );
    const sums = weightedSums(regions, weights, shapes);
    if (this.#grads !== undefined) tf.dispose(this.#grads);
    this.#grads = sums.slice(0, this.#variables.length);
    this.#model.nonTrainableWeights.forEach((w, i) => {
      const value = sums[this.#variables.length + i];
      w.write(value);
      value.dispose();
    });
  }

  /** Applies the kept gradients with Adam at learning rate `lr`, then drops them. */
  apply(lr: number): void {
    const grads = this.#kept();
    this.#optimizer.learningRate = lr;
    this.#optimizer.applyGradients(
      this.#variables.map((v, i) => ({ name: v.name, tensor: grads[i] })),
    );
    this.#release(false);
  }

  /**
   * Drops the kept gradients and restores the BN statistics that the
   * step's forward pass moved (after a non-finite loss).
   */
  discard(): void {
    this.#release(true);
  }

  #release(restore: boolean): void {
    if (this.#grads !== undefined) tf.dispose(this.#grads);
    this.#grads = undefined;
    const previous = this.#previousStats;
    if (previous === undefined) return;
    if (restore) {
      this.#model.nonTrainableWeights.forEach((w, i) => w.write(previous[i]));
    }
    tf.dispose(previous);
    this.#previousStats = undefined;
  }

  /** SHA-256 (hex) of every weight, trainable and not, in model order: equal digests mean equal replicas. */
  async weightsDigest(): Promise<string> {
    const parts = await Promise.all(
      this.#model.weights.map((w) => w.read().data()),
    );
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let offset = 0;
    for (const p of parts) {
      bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), offset);
      offset += p.byteLength;
    }
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** Replaces the model and optimizer (after loading a checkpoint); disposes the old ones. */
  replace(model: tfl.LayersModel, optimizer: KerasAdam): void {
    this.discard();
    if (model !== this.#model) this.#model.dispose();
    if (optimizer !== this.#optimizer) this.#optimizer.dispose();
    this.#model = model;
    this.#optimizer = optimizer;
    this.#view = retrievalInference(model);
    this.#variables = model.trainableWeights.map((w) =>
      w.read() as tf.Variable
    );
  }

  /** Disposes the model, the optimizer and any kept gradients. */
  dispose(): void {
    this.discard();
    this.#model.dispose();
    this.#optimizer.dispose();
  }

  #kept(): tf.Tensor[] {
    if (this.#grads === undefined) {
      throw new Error(
        "Cannot use gradients: computeGradients() has not run since the last step",
      );
    }
    return this.#grads;
  }
}
