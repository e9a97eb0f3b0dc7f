/**
 * The epoch loop of the notebook's `model.fit`: per epoch, the scheduled
 * learning rate (and margin scale), one Adam step per batch, the mean loss
 * and top-k accuracy over the epoch (Keras's running means, with the margin
 * as the notebook counts them and without it), an optional validation on
 * the holdout, and the bookkeeping of `ModelCheckpoint(save_best_only=True)`
 * and `EarlyStopping` on a chosen monitor. Persistence is the caller's:
 * `onEpochEnd` saves checkpoints, and `history` passed back in resumes after
 * the last completed epoch with the same data order (batches are keyed by
 * epoch) and the same best epoch and patience.
 *
 * @module
 */
import { HintedError } from "../../hinted_error.ts";
import type { StepOptions } from "./train_replica.ts";
import type { StepOutcome } from "./trainer.ts";
import { learningHealth } from "./learning_health.ts";
import type { EpochRecord, ValidationRecord } from "./epoch_record.ts";
import { stepLr } from "./lr_schedule.ts";

/** What the best checkpoint and early stopping watch. */
export type Monitor =
  | "loss"
  | "holdout_top1"
  | "holdout_gap"
  | "holdout_knn_top1"
  | "holdout_knn_gap";

/** The monitored value of an epoch, larger is better; undefined when the epoch lacks it. */
export function monitorScore(
  record: EpochRecord,
  monitor: Monitor,
): number | undefined {
  switch (monitor) {
    case "loss":
      return -record.loss;
    case "holdout_top1":
      return record.holdout?.top1;
    case "holdout_gap":
      return record.holdout?.gap;
    case "holdout_knn_top1":
      return record.holdout?.knnTop1;
    case "holdout_knn_gap":
      return record.holdout?.knnGap;
  }
}

/** What the loop needs of a trainer. */
export interface StepTrainer {
  /** Steps that may be pending when the next starts (see Trainer.lag). @default 0 */
  readonly lag?: number;
  /** One Adam step. */
  step(
    images: Float32Array,
    labels: Int32Array,
    lr: number,
    options?: StepOptions,
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
  /** Move the rate every step, from each epoch's rate to the next's ({@linkcode stepLr}). @default false */
  lrPerStep?: boolean;
  /** Epochs already done (resume). @default [] */
  history?: readonly EpochRecord[];
  /** The ArcFace margin scale at (0-based epoch, 0-based step). @default always 1 */
  marginScale?(epoch: number, step: number): number;
  /** Scores the holdout after an epoch (or not: undefined). */
  validate?(epoch: number): Promise<ValidationRecord | undefined>;
  /** What "best" means. @default "loss" */
  monitor?: Monitor;
  /** Stop after this many epochs without a better monitored value. @default never */
  patience?: number;
  /** Classes, for the learning-health checks (chance is 1/classes). */
  classes?: number;
  /** Called after every step. */
  onStep?(progress: StepProgress): void;
  /** Called with a warning on the run's learning health (at most once per kind). */
  onWarning?(message: string): void;
  /** Called after every epoch; `best` is true when its monitored value is the best so far. */
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

/**
 * The index of the best epoch by `monitor` (the first of equals), or -1.
 * Epochs without the monitored value never count as best. Losses are
 * compared only at the full margin: during a margin warm-up the loss rises
 * with the margin, so an early, low-margin epoch is not a better model.
 */
export function bestEpochIndex(
  history: readonly EpochRecord[],
  monitor: Monitor = "loss",
): number {
  const fullMargin = (record: EpochRecord) =>
    record.marginScale === undefined || record.marginScale >= 1;
  const anyFull = history.some(fullMargin);
  let best = -1, bestScore = -Infinity;
  history.forEach((record, i) => {
    if (monitor === "loss" && anyFull && !fullMargin(record)) return;
    const score = monitorScore(record, monitor);
    if (score !== undefined && score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

/**
 * Trains from `history.length` to `schedule.length` epochs.
 *
 * @throws {TrainingDivergedError} when a step's loss is NaN or infinite; the
 * step is not applied, so the weights stay those of the previous step (with
 * a trainer whose `lag` is 1, the step after it may already be applied).
 */
export async function fit(options: FitOptions): Promise<EpochRecord[]> {
  const history = [...(options.history ?? [])];
  const epochs = options.schedule.length;
  const monitor = options.monitor ?? "loss";
  const warned = new Set(
    history.flatMap((_, i) =>
      learningHealth(history.slice(0, i + 1), options.classes).map((w) =>
        w.kind
      )
    ),
  );
  for (let epoch = history.length; epoch < epochs; epoch++) {
    if (stopsEarly(history, monitor, options.patience)) break;
    const lr = options.schedule[epoch];
    const lrOf = (at: number) =>
      options.lrPerStep
        ? stepLr(options.schedule, epoch, at, options.steps)
        : lr;
    const epochStart = performance.now();
    let lossSum = 0;
    let images = 0;
    let step = 0;
    let marginScale = 1;
    const correct: Record<string, number> = {};
    const correctPlain: Record<string, number> = {};
    // Up to `lag` steps run ahead of their results (read back in order).
    const lag = options.trainer.lag ?? 0;
    const pending: { outcome: Promise<StepOutcome>; size: number }[] = [];
    const settle = async () => {
      const { outcome: next, size } = pending.shift()!;
      const outcome = await next;
      step++;
      if (!outcome.applied || !Number.isFinite(outcome.loss)) {
        // Results still on their way belong to steps after this one.
        await Promise.allSettled(pending.map((p) => p.outcome));
        throw new TrainingDivergedError(epoch, step, outcome.loss);
      }
      lossSum += outcome.loss * size;
      images += size;
      for (const [k, n] of Object.entries(outcome.correct)) {
        correct[k] = (correct[k] ?? 0) + n;
      }
      for (const [k, n] of Object.entries(outcome.correctPlain)) {
        correctPlain[k] = (correctPlain[k] ?? 0) + n;
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
        lr: lrOf(step - 1),
        imagesPerSecond: images / elapsed,
        etaSeconds: perStep * stepsLeft,
      });
    };
    for await (const batch of options.batches(epoch)) {
      const at = step + pending.length;
      marginScale = options.marginScale?.(epoch, at) ?? 1;
      const outcome = options.trainer.step(
        batch.images,
        batch.labels,
        lrOf(at),
        { marginScale },
      );
      // Awaited in order below; until then a failure must not go unhandled.
      outcome.catch(() => {});
      pending.push({ outcome, size: batch.size });
      if (pending.length > lag) await settle();
    }
    while (pending.length > 0) await settle();
    if (images === 0) {
      throw new RangeError(
        `Cannot train epoch ${
          epoch + 1
        }: it has no batches (fewer images than one batch?)`,
      );
    }
    const trainSeconds = (performance.now() - epochStart) / 1000;
    const holdout = await options.validate?.(epoch);
    const share = (counts: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(counts).map(([k, n]) => [k, n / images]),
      );
    const record: EpochRecord = {
      epoch: epoch + 1,
      lr,
      loss: lossSum / images,
      accuracy: share(correct),
      accuracyPlain: share(correctPlain),
      ...(options.marginScale ? { marginScale } : {}),
      ...(holdout ? { holdout } : {}),
      seconds: (performance.now() - epochStart) / 1000,
      imagesPerSecond: images / trainSeconds,
    };
    history.push(record);
    for (const warning of learningHealth(history, options.classes)) {
      if (warned.has(warning.kind)) continue;
      warned.add(warning.kind);
      options.onWarning?.(warning.message);
    }
    await options.onEpochEnd?.(
      record,
      history,
      bestEpochIndex(history, monitor) === history.length - 1,
    );
  }
  return history;
}

/**
 * True when the last `patience` epochs brought no better monitored value
 * than the best before them (Keras's `EarlyStopping` with `min_delta` 0).
 */
export function stopsEarly(
  history: readonly EpochRecord[],
  monitor: Monitor,
  patience: number | undefined,
): boolean {
  if (patience === undefined || history.length <= patience) return false;
  const best = bestEpochIndex(history, monitor);
  return best >= 0 && history.length - 1 - best >= patience;
}
