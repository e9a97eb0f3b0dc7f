/**
 * What a model being trained offers, whichever way it trains (in the calling
 * thread or in Worker replicas): one Adam step, checkpoints, and disposal.
 *
 * @module
 */
import type { BackendFacts } from "../backend.ts";
import type { StepTiming } from "./_replica_protocol.ts";
import type { StepOptions } from "./train_replica.ts";
import type { Prediction } from "../evaluate/predict_batches.ts";

/** The outcome of one step. */
export interface StepOutcome {
  /** Mean categorical cross-entropy over the batch (NaN/Inf possible: then `applied` is false). */
  loss: number;
  /** Samples whose label is among the k highest training logits (with the margin), per capped k. */
  correct: Record<string, number>;
  /** The same on the margin-free logits, per capped k. */
  correctPlain: Record<string, number>;
  /** Whether the update was applied (false for a non-finite loss). */
  applied: boolean;
  /** Where the step's time went. */
  ms: StepTiming;
}

/** A model being trained. */
export interface Trainer {
  /** Backend and versions (for the cache key and the report). */
  readonly facts: BackendFacts;
  /** Input size in pixels per side. */
  readonly imgSize: number;
  /** Number of classes. */
  readonly classes: number;
  /** The k values counted, capped at the class count, ascending. */
  readonly topK: number[];
  /** Replicas in use. */
  readonly replicas: number;
  /**
   * How many steps may still be waiting for their results when the next
   * step is started (their promises resolve in order): 1 where a whole step
   * is recorded on the device before its loss is read back (webgpu), so the
   * device never waits for the readback; 0 where each `step` must be
   * awaited before the next. @default 0
   */
  readonly lag?: number;
  /**
   * One Adam step at learning rate `lr` on `images` (`[n, S, S, 3]` NHWC,
   * flattened, already normalised) and integer `labels` (`[n]`). Both are
   * copied before this returns its promise: the caller may reuse them at once.
   */
  step(
    images: Float32Array,
    labels: Int32Array,
    lr: number,
    options?: StepOptions,
  ): Promise<StepOutcome>;
  /**
   * Embeddings and margin-free logits of `images` (`[n, S, S, 3]`,
   * flattened, normalised) with the current weights, in inference mode.
   */
  predict(images: Float32Array): Promise<Prediction>;
  /** Writes weights, Adam state, dropout step and `state` into the existing empty directory `dir`. */
  saveCheckpoint(dir: string, state?: unknown): Promise<void>;
  /** Restores a checkpoint written by `saveCheckpoint`; returns its `state`. */
  loadCheckpoint(dir: string): Promise<unknown>;
  /** SHA-256 of each replica's weights (BN statistics included); replicas must agree. */
  replicaDigests(): Promise<string[]>;
  /** Frees the model, the optimizer and the workers. */
  dispose(): Promise<void>;
}
