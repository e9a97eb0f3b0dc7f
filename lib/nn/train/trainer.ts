/**
 * The training loop's engine: one Adam step on a batch, checkpoints, and
 * data-parallel replicas.
 *
 * With `replicas: 1` the model trains in the calling thread (or in one
 * Worker with `workers: true`, which leaves the calling thread free). With
 * `replicas: R > 1` (wasm or cpu backends) it trains in R Workers, each with
 * its own tfjs and wasm backend on its own core: every step splits the batch
 * into R contiguous parts, each worker runs forward and backward on its part,
 * writes its gradients and BatchNorm statistics into its region of a
 * SharedArrayBuffer, and then every worker sums all regions in replica order,
 * weighted by part size, and applies the same Adam update, so the replicas
 * stay bit-identical and the run is deterministic. BatchNorm normalises with
 * per-replica batch statistics (as TensorFlow's MirroredStrategy does without
 * SyncBatchNorm), and the moving statistics are averaged over the replicas
 * after each step (Keras's ON_READ MEAN aggregation), so results depend on R.
 * The calling thread stays free while workers compute, so the next batch
 * is decoded meanwhile (lib/image's batch iterator prepares batches ahead).
 *
 * A step whose loss is NaN or ±Inf is not applied: the weights stay those of
 * the previous step, and the caller decides (the train stage stops and keeps
 * its last good checkpoint).
 *
 * @example Train a few steps
 * ```ts ignore
 * const trainer = await createTrainer({ modelDir: "outputs/model", backend: "auto", replicas: 2, topK: [1, 10] });
 * const { loss, correct } = await trainer.step(images, labels, 1e-3);
 * await trainer.saveCheckpoint("ckpt", { epoch: 1 });
 * await trainer.dispose();
 * ```
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { type BackendName, probeBackend, useBackend } from "../backend.ts";
import type { KerasAdamConfig } from "./keras_adam.ts";
import {
  createReplica,
  type ReplicaSetup,
  type StepTiming,
} from "./_replica_protocol.ts";
import { workerTrainer } from "./_worker_trainer.ts";
import { localTrainer } from "./_local_trainer.ts";
import type { Trainer } from "./trainer_interface.ts";

export type { StepOutcome, Trainer } from "./trainer_interface.ts";
export type { StepTiming };

/** Options of {@linkcode createTrainer}. */
export interface TrainerOptions {
  /** A directory with model.json + weights.bin (the model stage's artifact). Give this or `model`. */
  modelDir?: string;
  /** A model in memory (its current weights are used; with replicas it is copied to each worker). */
  model?: tfl.LayersModel;
  /** The tfjs backend. @default "auto" */
  backend?: BackendName;
  /** Data-parallel replicas (Workers), for the wasm and cpu backends. @default 1 */
  replicas?: number;
  /**
   * Train in Worker threads even with one replica, so the calling thread
   * stays free (e.g. for decoding the next batch in JavaScript) during steps.
   * @default replicas > 1
   */
  workers?: boolean;
  /**
   * Most images per forward/backward pass in a replica: larger batches (or
   * batch parts) are split and their gradients accumulated, which bounds
   * memory (B0 at 128 px needs about 70 MB of wasm heap per image, and the
   * heap stops at 4 GB). BatchNorm then normalises per micro-batch, so this
   * changes results: treat it like a hyperparameter. @default no split
   */
  microBatch?: number;
  /** k values of top-k accuracy, capped at the class count. @default [1] */
  topK?: number[];
  /** Adam settings besides the learning rate (Keras defaults). */
  adam?: Omit<KerasAdamConfig, "learningRate">;
  /** Label smoothing ε of the cross-entropy. @default 0 */
  labelSmoothing?: number;
}

/**
 * Loads the backend and the model and returns a trainer.
 *
 * @throws {BackendUnavailableError} when the backend cannot be loaded
 * @throws {ModelFileError} when `modelDir` does not hold a readable model
 */
export async function createTrainer(options: TrainerOptions): Promise<Trainer> {
  const replicas = options.replicas ?? 1;
  if (!(Number.isInteger(replicas) && replicas >= 1)) {
    throw new RangeError(
      `Cannot create a trainer with ${replicas} replicas: use an integer >= 1`,
    );
  }
  if ((options.modelDir === undefined) === (options.model === undefined)) {
    throw new TypeError(
      "Cannot create a trainer: give exactly one of modelDir and model",
    );
  }
  const backend = options.backend ?? "auto";
  const inWorkers = options.workers ?? replicas > 1;
  if (replicas > 1 && !inWorkers) {
    throw new RangeError(
      `Cannot run ${replicas} replicas without workers: set workers to true`,
    );
  }
  // Workers need no tfjs in this thread: only probe the backend here.
  const resolved = inWorkers
    ? (await probeBackend(backend)).backend
    : undefined;
  if (replicas > 1 && resolved !== "wasm" && resolved !== "cpu") {
    throw new RangeError(
      `Cannot run ${replicas} replicas on backend "${resolved}": Worker replicas are for the CPU backends (wasm, cpu); use replicas 1`,
    );
  }
  const facts = inWorkers ? undefined : await useBackend(backend);
  const setup: ReplicaSetup = {
    source: options.modelDir !== undefined
      ? { kind: "dir", dir: options.modelDir }
      : { kind: "artifacts", artifacts: await artifactsOf(options.model!) },
    backend: resolved ?? backend,
    topK: options.topK ?? [1],
    adam: options.adam ?? {},
    microBatch: options.microBatch,
    labelSmoothing: options.labelSmoothing,
  };
  if (facts !== undefined) {
    return localTrainer(await createReplica(setup), facts, setup.adam);
  }
  return await workerTrainer(setup, replicas);
}

async function artifactsOf(model: tfl.LayersModel) {
  const tf = await import("@tensorflow/tfjs-core");
  let artifacts: import("@tensorflow/tfjs-core").io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler((a) => {
    artifacts = a;
    return Promise.resolve({
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" },
    });
  }));
  return artifacts!;
}
