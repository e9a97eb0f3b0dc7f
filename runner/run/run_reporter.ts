/**
 * What a pipeline run tells its caller as it goes. The runner never writes to
 * the terminal itself; main.ts plugs in a terminal reporter, tests a silent
 * or recording one.
 *
 * @module
 */
import type { StaleReason } from "../cache/stale_reasons.ts";
import type { Blocker } from "./evaluate_stage.ts";
import type { StageFailedError } from "./stage_failed_error.ts";
import type { OutputSize } from "./commit_stage.ts";
import type { RunWhere } from "../cache/run_record.ts";

/** How one stage ended in a run. */
export type StageOutcome =
  | {
    state: "cached";
    /** Which cache had it: this one, or the remote one it was pulled from now. */
    source?: "local" | "remote";
    /** Where the cached run ran, when its record says. */
    where?: RunWhere;
    /** The remote cache its record was pulled from, in this run or an earlier one. */
    pulledFrom?: string;
  }
  | {
    state: "ran";
    durationMs: number;
    summary: Record<string, unknown> | null;
    /** What its output holds. */
    output?: OutputSize;
    /** The most resident memory its processes held at once. */
    peakMemoryBytes?: number;
    /** Where it ran. */
    where?: RunWhere;
  }
  | { state: "failed"; error: StageFailedError }
  | { state: "blocked"; by: string }
  | { state: "skipped" }
  | {
    state: "would-run";
    reasons: StaleReason[];
    blockers: Blocker[];
    /** True when the remote cache has it (a run would pull it). */
    onRemote?: boolean;
  };

/** A progress report from a running stage. */
export interface StageProgressEvent {
  /** The task's label. */
  label: string;
  /** Units done. */
  done: number;
  /** Units in all, when known. */
  total?: number;
  /** The stage's latest status text. */
  message?: string;
}

/** Receives a run's events. */
export interface RunReporter {
  /** The stages of the run, in order. */
  planned(stages: readonly string[]): void;
  /** A stage starts running (not called for cached stages). */
  stageStarted(
    stage: string,
    info: { reasons: StaleReason[]; resuming: boolean },
  ): void;
  /** A stage waits for another process (on this host, or on `holderHost`) that runs the same key. */
  stageWaiting(
    stage: string,
    holderPid: number | undefined,
    holderHost?: string,
  ): void;
  /** A running stage reported progress. */
  stageProgress(stage: string, event: StageProgressEvent): void;
  /** A running stage logged a line. */
  stageLog(stage: string, level: "info" | "warn", message: string): void;
  /** A stage reached its outcome. */
  stageFinished(stage: string, outcome: StageOutcome): void;
  /** Something the user should know that is not one stage's business. */
  warn(message: string): void;
}

/** A reporter that ignores everything. */
export const SILENT_REPORTER: RunReporter = {
  planned() {},
  stageStarted() {},
  stageWaiting() {},
  stageProgress() {},
  stageLog() {},
  stageFinished() {},
  warn() {},
};
