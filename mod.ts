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
export { displayPath } from "./runner/paths.ts";
export { formatError, HintedError } from "./lib/hinted_error.ts";
export type { HintedErrorOptions } from "./lib/hinted_error.ts";
export {
  ConfigError,
  formatProblem,
  loadPipeline,
} from "./runner/pipeline/mod.ts";
export type {
  ConfigProblem,
  ExecutorConfig,
  LoadedStage,
  LoadPipelineOptions,
  Pipeline,
  RemoteConfig,
  SourceSpan,
} from "./runner/pipeline/mod.ts";
export {
  createTerminalReporter,
  formatDuration,
  formatGrant,
  formatWhere,
  grantNotes,
  pushPipeline,
  runPipeline,
  SILENT_REPORTER,
  StageFailedError,
} from "./runner/run/mod.ts";
export type {
  GrantNote,
  PushReport,
  RunOptions,
  RunReporter,
  RunSummary,
  StageOutcome,
  StageProgressEvent,
  StageResult,
} from "./runner/run/mod.ts";
export { collectGarbage, formatReason } from "./runner/cache/mod.ts";
export type { GcReport, StaleReason } from "./runner/cache/mod.ts";
