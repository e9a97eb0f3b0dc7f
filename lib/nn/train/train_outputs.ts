/**
 * What the train stage shows and writes: its progress line, `history.json`
 * (the notebook's `history.history` plus the schedule and the run's facts)
 * and the best-loss checkpoint copied to `best/`.
 *
 * @module
 */
import type { BackendFacts } from "../backend.ts";
import { bestEpochIndex, type EpochRecord, type StepProgress } from "./fit.ts";

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
  /** The lowest-loss epoch (the checkpoint in best/). */
  best: { epoch: number; loss: number } | null;
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
}

/** `step 37/156 loss 1.2345 lr 2.0e-4 214 img/s eta 3m05s`. */
export function formatTrainingProgress(progress: StepProgress): string {
  const eta = Math.round(progress.etaSeconds);
  const etaText = eta >= 3600
    ? `${Math.floor(eta / 3600)}h${
      String(Math.floor((eta % 3600) / 60)).padStart(2, "0")
    }m`
    : eta >= 60
    ? `${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, "0")}s`
    : `${eta}s`;
  return `loss ${progress.loss.toFixed(4)}  lr ${
    progress.lr.toExponential(1)
  }  ` +
    `${progress.imagesPerSecond.toFixed(0)} img/s  eta ${etaText}`;
}

/** Writes history.json and copies the best checkpoint to `best/`; returns the stage summary. */
export async function writeTrainOutputs(
  outDir: string,
  outputs: TrainOutputs,
): Promise<Record<string, unknown>> {
  const bestIndex = bestEpochIndex(outputs.history);
  const best = bestIndex < 0 ? null : {
    epoch: outputs.history[bestIndex].epoch,
    loss: outputs.history[bestIndex].loss,
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
    best,
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
    images_per_second: last?.imagesPerSecond ?? null,
  };
}
