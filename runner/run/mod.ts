/**
 * The run wing: running a loaded pipeline. Scheduling stages in dependency
 * order, evaluating each (its key, its cached output, why it is stale),
 * executing the rest in sandboxed children with exactly their grants (here,
 * or as Slurm jobs), committing their outputs, pulling from and pushing to
 * a remote cache, and reporting it all (the terminal display, or a silent
 * reporter).
 *
 * It may import every other wing of the runner: pipeline, child, cache and
 * the base. Nothing in the runner imports it.
 *
 * @module
 */
export { formatDuration } from "./format_duration.ts";
export { pushPipeline, type PushReport } from "./push_pipeline.ts";
export { runPipeline } from "./run_pipeline.ts";
export type { RunOptions, RunSummary, StageResult } from "./run_pipeline.ts";
export { SILENT_REPORTER } from "./run_reporter.ts";
export type {
  RunReporter,
  StageOutcome,
  StageProgressEvent,
} from "./run_reporter.ts";
export { StageFailedError } from "./stage_failed_error.ts";
export { formatGrant, type GrantNote, grantNotes } from "./stage_grants.ts";
export { createTerminalReporter, formatWhere } from "./terminal_reporter.ts";
