/**
 * A declarative, cached, permission-scoped pipeline runner for training
 * image-retrieval models (EfficientNetV2 + ArcFace, the Google Landmark
 * Recognition 2021 recipe) on TensorFlow.js under Deno.
 *
 * A pipeline file names stages; each stage is a typed module run in its own
 * sandboxed process, and its output is stored by content so a stage whose
 * code, params and inputs are unchanged never runs twice.
 *
 * @example Run a pipeline and print what happened
 * ```ts ignore
 * import { loadPipeline, runPipeline } from "./mod.ts";
 *
 * const pipeline = await loadPipeline("pipeline.yaml");
 * const summary = await runPipeline(pipeline, { jobs: 2 });
 * for (const stage of summary.stages) console.log(stage.name, stage.outcome.state);
 * ```
 *
 * @module
 */
export { defineStage } from "./runner/define_stage.ts";
export type {
  CheckpointStore,
  Logger,
  Progress,
  StageContext,
  StageDefinition,
  StageInput,
  StagePermissions,
  StageSummary,
} from "./runner/define_stage.ts";
export { loadPipeline } from "./runner/load_pipeline.ts";
export type {
  LoadedStage,
  LoadPipelineOptions,
  Pipeline,
} from "./runner/load_pipeline.ts";
export { runPipeline } from "./runner/run_pipeline.ts";
export type {
  RunOptions,
  RunSummary,
  StageResult,
} from "./runner/run_pipeline.ts";
export { SILENT_REPORTER } from "./runner/run_reporter.ts";
export type {
  RunReporter,
  StageOutcome,
  StageProgressEvent,
} from "./runner/run_reporter.ts";
export { createTerminalReporter } from "./runner/terminal_reporter.ts";
export { formatReason } from "./runner/stale_reasons.ts";
export type { StaleReason } from "./runner/stale_reasons.ts";
export { collectGarbage } from "./runner/collect_garbage.ts";
export type { GcReport } from "./runner/collect_garbage.ts";
export { ConfigError, formatProblem } from "./runner/config_error.ts";
export type { ConfigProblem, SourceSpan } from "./runner/config_error.ts";
export { StageFailedError } from "./runner/stage_failed_error.ts";
export { formatDuration } from "./runner/format_duration.ts";
export { displayPath } from "./runner/display_path.ts";
