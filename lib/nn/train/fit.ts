/**
 * The epoch loop of the notebook's `model.fit`: per epoch, the scheduled
 * learning rate, one Adam step per batch, the mean loss and top-k accuracy
 * over the epoch (Keras's running means), and the best-loss bookkeeping of
 * `ModelCheckpoint(monitor="loss", save_best_only=True)`. Persistence is the
 * caller's: `onEpochEnd` saves checkpoints, and `history` passed back in
 * resumes after the last completed epoch with the same data order (batches
 * are keyed by epoch).
 *
 * @module
 */
import { HintedError } from "../../hinted_error.ts";
import type { StepOutcome } from "./trainer.ts";

/** One epoch's record in history.json. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** The learning rate used. */
  lr: number;
  /** Mean cross-entropy over the epoch's batches. */
  loss: number;
  /** Top-k accuracy over the epoch, by k. */
  accuracy: Record<string, number>;
  /** Wall time of the epoch. */
  seconds: number;
  /** Training throughput. */
  imagesPerSecond: number;
}

/** What the loop needs of a trainer. */
export interface StepTrainer {
  /** One Adam step. */
  step(
    images: Float32Array,
    labels: Int32Array,
    lr: number,
  ): Promise<StepOutcome>;
}

/** A batch as the loop consumes it. */
export interface TrainingBatch {
  /** Normalised NHWC pixels. */
  images: Float32Array;
  /** Integer labels. */
  labels: Int32Array;
  /** Images in the batch. */
  size: number;
}

/** A step's progress, for the progress line. */
export interface StepProgress {
  /** 0-based epoch. */
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  /** Steps per epoch. */
  steps: number;
  /** The epoch's running mean loss. */
  loss: number;
  /** The learning rate. */
  lr: number;
  /** Images per second over the epoch so far. */
  imagesPerSecond: number;
  /** Seconds left for the whole run, estimated from the epoch's pace. */
  etaSeconds: number;
}

/** Options of {@linkcode fit}. */
export interface FitOptions {
  /** The trainer. */
  trainer: StepTrainer;
  /** The batches of epoch `epoch` (0-based), the same on every call. */
  batches(epoch: number): AsyncIterable<TrainingBatch>;
  /** Batches per epoch. */
  steps: number;
  /** The learning rate of each epoch; its length is the number of epochs. */
  schedule: readonly number[];
  /** Epochs already done (resume). @default [] */
  history?: readonly EpochRecord[];
  /** Called after every step. */
  onStep?(progress: StepProgress): void;
  /** Called after every epoch; `best` is true when its loss is the lowest so far. */
  onEpochEnd?(
    record: EpochRecord,
    history: readonly EpochRecord[],
    best: boolean,
  ): Promise<void>;
}

/** Training produced a loss that is not a finite number. */
export class TrainingDivergedError extends HintedError {
  override name = "TrainingDivergedError";
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `Cannot continue training: the loss became ${loss} at epoch ${
        epoch + 1
      }, step ${step}`,
      {
        hint:
          "the last good checkpoint is kept; lower the learning rate (lr.max) or the ArcFace scale s, then run again",
      },
    );
  }
}

/** The index of the epoch with the lowest loss (the first of equals), or -1. */
export function bestEpochIndex(history: readonly EpochRecord[]): number {
  let best = -1;
  history.forEach((record, i) => {
    if (best < 0 || record.loss < history[best].loss) best = i;
  });
  return best;
}

/**
 * Trains from `history.length` to `schedule.length` epochs.
 *
 * @throws {TrainingDivergedError} when a step's loss is NaN or infinite; the
 * step is not applied, so the weights stay those of the previous step.
 */
export async function fit(options: FitOptions): Promise<EpochRecord[]> {
  const history = [...(options.history ?? [])];
  const epochs = options.schedule.length;
  const startEpoch = history.length;
  for (let epoch = startEpoch; epoch < epochs; epoch++) {
    const lr = options.schedule[epoch];
    const epochStart = performance.now();
    let lossSum = 0;
    let images = 0;
    let step = 0;
    const correct: Record<string, number> = {};
    for await (const batch of options.batches(epoch)) {
      const outcome = await options.trainer.step(
        batch.images,
        batch.labels,
        lr,
      );
      step++;
      if (!outcome.applied || !Number.isFinite(outcome.loss)) {
        throw new TrainingDivergedError(epoch, step, outcome.loss);
      }
      lossSum += outcome.loss * batch.size;
      images += batch.size;
      for (const [k, n] of Object.entries(outcome.correct)) {
        correct[k] = (correct[k] ?? 0) + n;
      }
      const elapsed = (performance.now() - epochStart) / 1000;
      const perStep = elapsed / step;
      const stepsLeft = (options.steps - step) +
        (epochs - epoch - 1) * options.steps;
      options.onStep?.({
        epoch,
        step,
        steps: options.steps,
        loss: lossSum / images,
        lr,
        imagesPerSecond: images / elapsed,
        etaSeconds: perStep * stepsLeft,
      });
    }
    if (images === 0) {
      throw new RangeError(
        `Cannot train epoch ${
          epoch + 1
        }: it has no batches (fewer images than one batch?)`,
      );
    }
    const seconds = (performance.now() - epochStart) / 1000;
    const record: EpochRecord = {
      epoch: epoch + 1,
      lr,
      loss: lossSum / images,
      accuracy: Object.fromEntries(
        Object.entries(correct).map(([k, n]) => [k, n / images]),
      ),
      seconds,
      imagesPerSecond: images / seconds,
    };
    history.push(record);
    await options.onEpochEnd?.(
      record,
      history,
      bestEpochIndex(history) === history.length - 1,
    );
  }
  return history;
}
