/**
 * Builds the {@linkcode StageContext} a stage's `run` receives. The stage host
 * uses it inside the child process; tests use it to call a stage directly.
 *
 * @module
 */
import { keyedRandom } from "../../lib/random/keyed_random.ts";
import { createCheckpointStore } from "../cache/checkpoint_store.ts";
import type { Logger, Progress, StageContext } from "../define_stage.ts";

/** A file added to an artifact by reference. */
export interface StageReference {
  /** The absolute path of the referenced file. */
  absolutePath: string;
  /** Where it appears inside the artifact. */
  asPath: string;
}

/** Options of {@linkcode createStageContext}. */
export interface StageContextOptions<P> {
  /** The stage's name in the pipeline. */
  stage: string;
  /** Validated params. */
  params: P;
  /** The pipeline invocation's id. @default "local" */
  runId?: string;
  /** Input directories by input name. @default {} */
  inputs?: Record<string, string>;
  /** The writable output directory. */
  outDir: string;
  /** The directory of the pipeline file. @default Deno.cwd() */
  pipelineDir?: string;
  /** The seed. @default 0 */
  seed?: number;
  /** The checkpoint directory. @default `${outDir}/../.checkpoints` */
  checkpointDir?: string;
  /** Progress sink. @default a sink that ignores everything */
  progress?: Progress;
  /** Log sink. @default a sink that ignores everything */
  log?: Logger;
}

/** A context plus the references the stage made through it. */
export interface CreatedStageContext<P> {
  /** The context to pass to `run`. */
  ctx: StageContext<P>;
  /** References collected by `ctx.reference`, in call order. */
  references: StageReference[];
}

/** A progress sink that ignores everything. */
export const NO_PROGRESS: Progress = { start() {}, advance() {}, end() {} };

/** A log sink that ignores everything. */
export const NO_LOG: Logger = { info() {}, warn() {} };

/** Builds a stage context from plain values. */
export function createStageContext<P>(
  options: StageContextOptions<P>,
): CreatedStageContext<P> {
  const references: StageReference[] = [];
  const seed = options.seed ?? 0;
  const ctx: StageContext<P> = {
    stage: options.stage,
    runId: options.runId ?? "local",
    params: options.params,
    inputs: Object.freeze({ ...options.inputs }),
    outDir: options.outDir,
    pipelineDir: options.pipelineDir ?? Deno.cwd(),
    seed,
    rng: keyedRandom(seed, "stage", options.stage),
    progress: options.progress ?? NO_PROGRESS,
    log: options.log ?? NO_LOG,
    checkpoints: createCheckpointStore(
      options.checkpointDir ?? `${options.outDir}/../.checkpoints`,
    ),
    reference(absolutePath, asPath) {
      if (!absolutePath.startsWith("/")) {
        throw new TypeError(
          `Cannot reference "${absolutePath}": give an absolute path`,
        );
      }
      if (asPath.startsWith("/") || asPath.split("/").includes("..")) {
        throw new TypeError(
          `Cannot reference "${absolutePath}" as "${asPath}": the name must stay inside the artifact`,
        );
      }
      references.push({ absolutePath, asPath });
    },
  };
  return { ctx, references };
}
