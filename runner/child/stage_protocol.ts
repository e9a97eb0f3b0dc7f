/**
 * The messages between the runner and a stage host child. The runner writes
 * one JSON job line to the child's stdin (and keeps stdin open: EOF means the
 * runner died, and the child exits). The child writes events to stdout, each
 * on its own line after {@linkcode EVENT_MARKER}; any other output is the
 * stage's own log.
 *
 * @module
 */
import type { StagePermissions, StageSummary } from "../define_stage.ts";
import type { ValueIssue } from "../zod_issues.ts";
import type { StageResources } from "../resources.ts";

/** Prefix of an event line (ASCII record separator). */
export const EVENT_MARKER = "\x1e";

/** A stage to describe or to compute facts for. */
export interface StageProbe {
  /** Stage name in the pipeline. */
  name: string;
  /** Absolute module path. */
  module: string;
  /** Raw params (`with:`). */
  params: unknown;
}

/** What the runner asks a stage host to do. */
export type StageJob =
  | { mode: "describe"; stage: StageProbe }
  | { mode: "facts"; stage: StageProbe }
  | {
    mode: "run";
    stage: string;
    runId: string;
    module: string;
    params: unknown;
    inputs: Record<string, string>;
    outDir: string;
    pipelineDir: string;
    seed: number;
    checkpointDir: string;
    /**
     * The facts the stage's cache key was computed with, where the runner
     * computed them on another machine (a cluster job): the stage host
     * refuses to run when the stage's facts differ where it runs.
     */
    expectFacts?: Record<string, string>;
  };

/** A stage definition as seen from outside its module. */
export type StageDescription =
  | {
    ok: true;
    description: string;
    /** Params after the schema's parsing and defaults. */
    params: unknown;
    inputs: Record<string, { optional: boolean; description?: string }>;
    permissions: Required<StagePermissions>;
    /** Data paths named by the params (as written, relative to the pipeline file). */
    reads: string[];
    hasFacts: boolean;
    /** The resources the module asks for with these params (the pipeline file may override them). */
    resources: StageResources;
  }
  | { ok: false; issues: ValueIssue[] }
  | { ok: false; loadError: string; hint?: string };

/** A stage's facts, or why they could not be computed (e.g. a backend that is not installed). */
export type StageFacts =
  | { ok: true; facts: Record<string, string> }
  | { ok: false; error: string; hint?: string };

/** An event from a stage host. */
export type StageEvent =
  | {
    t: "progress";
    label: string;
    done: number;
    total?: number;
    message?: string;
  }
  | { t: "log"; level: "info" | "warn"; message: string }
  | { t: "result"; value: unknown }
  | {
    t: "done";
    summary: StageSummary | null;
    references: { absolutePath: string; asPath: string }[];
  }
  | { t: "error"; name: string; message: string; hint?: string };
