/**
 * Messages between the trainer and its replica workers, and the replica
 * setup both sides share (loading the model and the optimizer).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { BackendFacts, BackendName } from "../backend.ts";
import type { KerasAdamConfig } from "./keras_adam.ts";
import type { StepOptions, StepResult, TrainReplica } from "./train_replica.ts";
import type { Prediction } from "../evaluate/predict_batches.ts";

/** Where a step's time went, in milliseconds (the slowest replica's, for workers). */
export interface StepTiming {
  /** Forward, loss and backward pass. */
  compute: number;
  /** Copying gradients out and combining the replicas' (workers only). */
  exchange: number;
  /** The Adam update. */
  update: number;
  /** Wall time of the whole step as the caller saw it. */
  total: number;
}

/** Where a replica gets its initial model. */
export type ModelSource =
  | { kind: "dir"; dir: string }
  | { kind: "artifacts"; artifacts: tf.io.ModelArtifacts };

/** What every replica is built from. */
export interface ReplicaSetup {
  source: ModelSource;
  backend: BackendName;
  topK: number[];
  adam: KerasAdamConfig;
  microBatch?: number;
  /** Label smoothing of the cross-entropy. */
  labelSmoothing?: number;
  /** This replica's index and the replica count. */
  replica?: { index: number; count: number };
}

/** Trainer → worker. */
export type Request =
  | { type: "init"; setup: ReplicaSetup }
  | {
    type: "buffer";
    buffer: SharedArrayBuffer;
    index: number;
    replicas: number;
  }
  | {
    type: "grad";
    images: Float32Array;
    labels: Int32Array;
    options: StepOptions;
  }
  | { type: "predict"; images: Float32Array }
  | { type: "apply"; weights: number[]; lr: number }
  | { type: "discard" }
  | { type: "save"; dir: string; state: unknown }
  | { type: "load"; dir: string }
  | { type: "digest" }
  | { type: "dispose" };

/** Worker → trainer. */
export type Reply =
  | {
    type: "ready";
    facts: BackendFacts;
    imgSize: number;
    classes: number;
    topK: number[];
    stateSize: number;
  }
  | { type: "grads"; result: StepResult; ms: Partial<StepTiming> }
  | { type: "predictions"; prediction: Prediction }
  | { type: "done"; state?: unknown; ms?: Partial<StepTiming>; digest?: string }
  | {
    type: "error";
    name: string;
    message: string;
    stack?: string;
    /** The error's own string/number fields (e.g. ModelFileError's file and hint). */
    fields: Record<string, string | number>;
  };

/** Loads the model and creates the optimizer of a replica (tfjs and the backend already set up). */
export async function createReplica(
  setup: ReplicaSetup,
): Promise<TrainReplica> {
  const tf = await import("@tensorflow/tfjs-core");
  const tfl = await import("@tensorflow/tfjs-layers");
  const { loadModel } = await import("../model/model_io.ts");
  const { KerasAdam } = await import("./keras_adam.ts");
  const { TrainReplica } = await import("./train_replica.ts");
  const model = setup.source.kind === "dir"
    ? await loadModel(setup.source.dir)
    : await tfl.loadLayersModel(tf.io.fromMemory(setup.source.artifacts));
  return new TrainReplica(model, new KerasAdam(setup.adam), {
    topK: setup.topK,
    microBatch: setup.microBatch,
    replica: setup.replica,
    labelSmoothing: setup.labelSmoothing,
  });
}

/** Saves a checkpoint of `replica` (weights, Adam state, dropout step, caller state). */
export async function saveReplica(
  replica: TrainReplica,
  dir: string,
  state: unknown,
): Promise<void> {
  const { saveCheckpoint } = await import("./checkpoint.ts");
  await saveCheckpoint(dir, {
    model: replica.model,
    optimizer: replica.optimizer,
    state,
  });
}

/** Loads a checkpoint into `replica`; returns the caller state saved with it. */
export async function loadReplica(
  replica: TrainReplica,
  dir: string,
  adam: KerasAdamConfig,
): Promise<unknown> {
  const { loadCheckpoint } = await import("./checkpoint.ts");
  const { KerasAdam } = await import("./keras_adam.ts");
  const optimizer = new KerasAdam(adam);
  const { model, state } = await loadCheckpoint(dir, { optimizer });
  replica.replace(model, optimizer);
  return state;
}
