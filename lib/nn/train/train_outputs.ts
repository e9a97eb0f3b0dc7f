/**
 * What the train stage shows and writes: its progress line, `history.json`
 * (the notebook's `history.history` plus the schedule and the run's facts)
 * and the best-loss checkpoint copied to `best/`.
 *
 * @module
 */
import type { BackendFacts } from "../backend.ts";
import { bestEpochIndex, type Monitor, type StepProgress } from "./fit.ts";
import type { EpochRecord, ValidationRecord } from "./epoch_record.ts";

/** train/history.json. */
export interface TrainHistory {
  /** The backend that trained. */
  backend: string;
  /** Library versions. */
  versions: Record<string, string>;
  /** Data-parallel replicas. */
  replicas: number;
  /** Images per step. */
  batchSize: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** Epochs planned. */
  epochsPlanned: number;
  /** The learning rate of every planned epoch. */
  lrSchedule: number[];
  /** One record per trained epoch. */
  epochs: EpochRecord[];
  /** What "best" means (the checkpoint in best/). */
  monitor: Monitor;
  /** The best epoch by the monitor (the checkpoint in best/). */
  best: { epoch: number; loss: number; holdout?: ValidationRecord } | null;
  /** Learning-health warnings the run gave. */
  warnings: string[];
}

/** Options of {@linkcode writeTrainOutputs}. */
export interface TrainOutputs {
  /** Every trained epoch. */
  history: readonly EpochRecord[];
  /** The learning rate of every planned epoch. */
  schedule: readonly number[];
  /** The directory of the best-loss checkpoint. */
  bestCheckpoint: string;
  /** Backend facts. */
  facts: BackendFacts;
  /** Replicas used. */
  replicas: number;
  /** Images per step. */
  batchSize: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** What "best" means. */
  monitor: Monitor;
  /** Learning-health warnings the run gave. */
  warnings: readonly string[];
}

/**
 * `loss 1.2345  lr 2.0e-4  holdout 41.2% (kNN 42.0%)  214 img/s  eta 3m05s`:
 * the live line of a step, with the last epoch's holdout scores when
 * `holdout` is given.
 */
export function formatTrainingProgress(
  progress: StepProgress,
  holdout?: ValidationRecord,
): string {
  const eta = Math.round(progress.etaSeconds);
  const etaText = eta >= 3600
    ? `${Math.floor(eta / 3600)}h${
      String(Math.floor((eta % 3600) / 60)).padStart(2, "0")
    }m`
    : eta >= 60
    ? `${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, "0")}s`
    : `${eta}s`;
  const scores = holdout === undefined
    ? ""
    : `holdout ${(100 * holdout.top1).toFixed(1)}%${
      holdout.knnTop1 === undefined
        ? ""
        : ` (kNN ${(100 * holdout.knnTop1).toFixed(1)}%)`
    }  `;
  return `loss ${progress.loss.toFixed(4)}  lr ${
    progress.lr.toExponential(1)
  }  ${scores}` +
    `${progress.imagesPerSecond.toFixed(0)} img/s  eta ${etaText}`;
}

/**
 * One epoch's log line: `epoch 3/30: loss 4.1234, top-1 12.0% (without the
 * margin 25.3%), lr 2.0e-3, 812 img/s; holdout top-1 20.1%, GAP 0.1234, kNN
 * top-1 21.0%`.
 */
export function formatEpoch(record: EpochRecord, epochs: number): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const accuracy = Object.entries(record.accuracy).map(([k, v]) => {
    const plain = record.accuracyPlain?.[k];
    return `top-${k} ${pct(v)}${
      plain !== undefined && plain !== v
        ? ` (without the margin ${pct(plain)})`
        : ""
    }`;
  });
  const h = record.holdout;
  const holdout = h
    ? `; holdout top-1 ${pct(h.top1)}, GAP ${h.gap.toFixed(4)}${
      h.knnTop1 !== undefined ? `, kNN top-1 ${pct(h.knnTop1)}` : ""
    }`
    : "";
  const margin = record.marginScale !== undefined && record.marginScale < 1
    ? `, margin ×${record.marginScale.toFixed(2)}`
    : "";
  return `epoch ${record.epoch}/${epochs}: loss ${record.loss.toFixed(4)}, ${
    accuracy.join(", ")
  }, lr ${record.lr}${margin}, ${
    record.imagesPerSecond.toFixed(0)
  } img/s${holdout}`;
}

/** Writes history.json and copies the best checkpoint to `best/`; returns the stage summary. */
export async function writeTrainOutputs(
  outDir: string,
  outputs: TrainOutputs,
): Promise<Record<string, unknown>> {
  const bestIndex = bestEpochIndex(outputs.history, outputs.monitor);
  const chosen = outputs.history[bestIndex];
  const best = bestIndex < 0 ? null : {
    epoch: chosen.epoch,
    loss: chosen.loss,
    ...(chosen.holdout ? { holdout: chosen.holdout } : {}),
  };
  const history: TrainHistory = {
    backend: outputs.facts.backend,
    versions: { tfjs: outputs.facts.tfjs },
    replicas: outputs.replicas,
    batchSize: outputs.batchSize,
    stepsPerEpoch: outputs.stepsPerEpoch,
    epochsPlanned: outputs.schedule.length,
    lrSchedule: [...outputs.schedule],
    epochs: [...outputs.history],
    monitor: outputs.monitor,
    best,
    warnings: [...outputs.warnings],
  };
  await Deno.writeTextFile(
    `${outDir}/history.json`,
    `${JSON.stringify(history, null, 1)}\n`,
  );
  await Deno.mkdir(`${outDir}/best`);
  for await (const entry of Deno.readDir(outputs.bestCheckpoint)) {
    if (entry.isFile) {
      await Deno.copyFile(
        `${outputs.bestCheckpoint}/${entry.name}`,
        `${outDir}/best/${entry.name}`,
      );
    }
  }
  const last = outputs.history[outputs.history.length - 1];
  return {
    epochs: outputs.history.length,
    backend: outputs.facts.backend,
    best_epoch: best?.epoch ?? null,
    best_loss: best?.loss ?? null,
    final_top1: last?.accuracy["1"] ?? null,
    final_top1_plain: last?.accuracyPlain?.["1"] ?? null,
    best_holdout_top1: best?.holdout?.top1 ?? null,
    images_per_second: last?.imagesPerSecond ?? null,
    warnings: outputs.warnings.length,
  };
}
