/**
 * The pipeline wing: reading pipeline.yaml into a checked, fully described
 * pipeline. YAML with positions for every node, the structural schema, the
 * parse cache, each stage module's code graph (and the tokenizer that keeps
 * comments and formatting out of its digest), the stages' own params
 * checked by a describe probe, and config errors at `file:line:column`.
 *
 * It may import the child wing (to describe stages), the cache wing and the
 * runner's base; never the run wing.
 *
 * @module
 */
export { ConfigError, formatProblem } from "./config_error.ts";
export type { ConfigProblem, SourceSpan } from "./config_error.ts";
export { loadPipeline } from "./load_pipeline.ts";
export type { ExecutorConfig, RemoteConfig } from "./parsed_pipeline.ts";
export type {
  LoadedStage,
  LoadPipelineOptions,
  Pipeline,
} from "./load_pipeline.ts";
