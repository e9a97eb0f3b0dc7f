/**
 * Runs one stage for real: a private staging directory, a checkpoint
 * directory that survives crashes, the sandboxed child with exactly the
 * stage's permissions on the pipeline's executor (here, or as a Slurm job),
 * then the commit of its output, which stays with the runner either way.
 *
 * @module
 */
import type { ArtifactRef } from "../cache/artifact.ts";
import type { Facets } from "../cache/cache_key.ts";
import { HintedError } from "../../lib/hinted_error.ts";
import type { Digest } from "../cache/digest.ts";
import type { StaleReason } from "../cache/stale_reasons.ts";
import { removeTree } from "../cache/tree.ts";
import type { RunWhere } from "../cache/run_record.ts";
import { SlurmError } from "../child/slurm/slurm_client.ts";
import type { StageProcessResult } from "../child/stage_process.ts";
import { isBuiltinStage } from "../builtin_stages.ts";
import type { LoadedStage } from "../pipeline/load_pipeline.ts";
import { displayPath } from "../paths.ts";
import { commitStage, type OutputSize } from "./commit_stage.ts";
import { acceptReferences } from "../child/child_output.ts";
import type { RunReporter } from "./run_reporter.ts";
import type { RunState } from "./run_state.ts";
import { formatGrant, grantNotes, stageGrants } from "./stage_grants.ts";
import { explainStageFailure, StageFailedError } from "./stage_failed_error.ts";
import {
  explainSlurmFailure,
  slurmSuffix,
  submitHint,
} from "./explain_slurm_failure.ts";
import {
  type ExecutorResult,
  jobDir,
  runOnExecutor,
} from "./stage_executor.ts";

/** Options of {@linkcode executeStage}. */
export interface ExecuteOptions {
  /** The run's shared state. */
  state: RunState;
  /** The stage's cache key. */
  key: Digest;
  /** Its facets (every input known). */
  facets: Facets;
  /** Why it runs. */
  reasons: StaleReason[];
  /** Upstream artifacts by stage name. */
  upstream: ReadonlyMap<string, ArtifactRef | undefined>;
  /** Start afresh instead of resuming from checkpoints. */
  fresh: boolean;
  /** The pipeline invocation's id. */
  runId: string;
  /** Where events go. */
  reporter: RunReporter;
  /** Confine native code with bubblewrap where available. */
  confine: "auto" | "never";
  /** Aborts the stage. */
  signal?: AbortSignal;
}

/** What a stage run produced. */
export interface ExecutedStage {
  /** The stored output. */
  artifact: ArtifactRef;
  /** What its run() returned. */
  summary: Record<string, unknown> | null;
  /** How long the child ran. */
  durationMs: number;
  /** How its native code was confined. */
  confinement: StageProcessResult["confinement"];
  /** What its output holds. */
  output: OutputSize;
  /** The most resident memory its processes held at once, in bytes. */
  peakMemoryBytes: number;
  /** Where it ran. */
  where: RunWhere;
}

/**
 * Runs the stage and commits its output.
 *
 * @throws {StageFailedError} when the stage fails or its output cannot be stored.
 */
export async function executeStage(
  stage: LoadedStage,
  options: ExecuteOptions,
): Promise<ExecutedStage> {
  const { state, key, reporter } = options;
  const { pipeline } = state;
  const staging = `${pipeline.cacheDir}/staging/${key}`;
  const checkpointDir = `${pipeline.cacheDir}/checkpoints/${key}`;
  const logFile = `${pipeline.outputsDir}/${stage.name}.log`;

  await removeTree(staging); // left by an interrupted run
  await Deno.mkdir(staging, { recursive: true });
  if (options.fresh) await removeTree(checkpointDir);
  const resuming = await hasEntries(checkpointDir);
  await Deno.mkdir(checkpointDir, { recursive: true });
  await createLog(
    logFile,
    `# stage ${stage.name} (${stage.uses}), key ${key}, started ${
      new Date().toISOString()
    }\n`,
  );

  const grants = stageGrants(stage, options.upstream, {
    staging,
    checkpointDir,
  });
  reporter.stageStarted(stage.name, { reasons: options.reasons, resuming });
  announceGrants(stage, reporter);

  const startedAt = new Date();
  const started = performance.now();
  let ran: ExecutorResult;
  try {
    const facts = state.facts.get(stage.name);
    ran = await runOnExecutor(pipeline, {
      stage,
      key,
      job: {
        mode: "run",
        stage: stage.name,
        runId: options.runId,
        module: stage.modulePath,
        params: stage.description.params,
        inputs: grants.inputs,
        outDir: staging,
        pipelineDir: pipeline.dir,
        seed: stage.seed,
        checkpointDir,
      },
      permissions: grants.permissions,
      logFile,
      confine: options.confine,
      signal: options.signal,
      facts: facts?.ok ? facts.facts : undefined,
      onEvent: (event) => {
        if (event.t === "progress") reporter.stageProgress(stage.name, event);
        else if (event.t === "log") {
          reporter.stageLog(stage.name, event.level, event.message);
        }
      },
    });
  } catch (error) {
    await removeTree(staging);
    const slurm = error instanceof SlurmError;
    const message = slurm
      ? error.message.replace(/^Cannot submit the job: /, "")
      : (error as Error).message;
    const at = await state.pipeline.locate(["stages", stage.name], true);
    throw new StageFailedError(
      stage.name,
      slurm
        ? `Cannot submit stage "${stage.name}" to Slurm: ${message}`
        : `Cannot start stage "${stage.name}": ${message}`,
      {
        exitCode: null,
        logTail: [],
        logFile,
        hint: slurm
          ? error.hint ?? submitHint(message, yamlKeyOf(stage, at))
          : error instanceof HintedError
          ? error.hint
          : undefined,
        cause: error,
      },
    );
  }
  const { outcome } = ran;
  const durationMs = Math.round(performance.now() - started);
  if (
    outcome.code !== 0 || !outcome.done || outcome.protocolError ||
    outcome.timedOut || outcome.outOfMemory
  ) {
    await removeTree(staging);
    throw await failure(stage, ran, logFile, state);
  }
  try {
    const committed = await commitStage({
      stage: stage.name,
      uses: stage.uses,
      key,
      facets: options.facets,
      staging,
      references: acceptReferences(outcome.done.references, grants.readable),
      limits: stage.limits,
      runId: options.runId,
      startedAt,
      durationMs,
      summary: outcome.done.summary,
      where: ran.where,
    }, state);
    await removeTree(checkpointDir);
    await removeTree(jobDir(pipeline.cacheDir, key));
    return {
      artifact: committed.artifact,
      summary: outcome.done.summary,
      durationMs,
      confinement: outcome.confinement,
      output: committed.output,
      peakMemoryBytes: outcome.peakMemoryBytes,
      where: ran.where,
    };
  } catch (error) {
    await removeTree(staging);
    throw new StageFailedError(
      stage.name,
      `Cannot store the output of stage "${stage.name}": ${
        (error as Error).message
      }`,
      {
        exitCode: 0,
        logTail: outcome.tail,
        logFile,
        hint: error instanceof HintedError ? error.hint : undefined,
        cause: error,
      },
    );
  }
}

/**
 * Says what the stage is granted beyond its code, inputs and named data
 * paths. A built-in stage's own declarations are this project's code and
 * shown by `status` only; everything else is shown at every run.
 */
function announceGrants(stage: LoadedStage, reporter: RunReporter): void {
  const builtin = isBuiltinStage(stage.modulePath);
  const notes = grantNotes(stage).filter((note) =>
    !(builtin && note.source === "module")
  );
  if (notes.length > 0) {
    reporter.warn(
      `stage "${stage.name}" (${stage.uses}) is granted: ${
        notes.map(formatGrant).join("; ")
      }`,
    );
  }
}

/**
 * Creates the stage's log file afresh. Whatever is at its path (a file from
 * an earlier run, or a link planted to make the runner write elsewhere) is
 * removed first, and the file is created exclusively, never followed.
 */
async function createLog(path: string, header: string): Promise<void> {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  try {
    const info = await Deno.lstat(path);
    if (info.isDirectory) await removeTree(path);
    else await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  using file = await Deno.open(path, { createNew: true, write: true });
  await file.write(new TextEncoder().encode(header));
}

/** The error of a stage child that failed, explained. */
async function failure(
  stage: LoadedStage,
  ran: ExecutorResult,
  logFile: string,
  state: RunState,
): Promise<StageFailedError> {
  const { outcome, slurm } = ran;
  const at = await state.pipeline.locate(["stages", stage.name], true);
  const yamlKey = yamlKeyOf(stage, at);
  const limit = outcome.outOfMemory
    ? { kind: "memory" as const, bytes: stage.limits.memoryBytes }
    : outcome.timedOut && stage.limits.timeMs !== undefined
    ? { kind: "time" as const, ms: stage.limits.timeMs }
    : undefined;
  const bySlurm = slurm &&
    explainSlurmFailure(stage.name, slurm, {
      memoryBytes: stage.resources.memoryBytes ??
        stage.description.resources.memoryBytes,
      timeMs: stage.limits.timeMs,
    }, yamlKey);
  const local = explainStageFailure(
    stage.name,
    {
      code: outcome.code,
      signal: outcome.signal,
      errorMessage: outcome.error?.message,
      tail: outcome.tail,
      limit,
      protocolError: outcome.protocolError ??
        (outcome.code === 0 && !outcome.done
          ? "it exited without finishing (did its code call Deno.exit?)"
          : undefined),
    },
    yamlKey,
  );
  const { message, hint } = bySlurm ??
    (slurm
      ? { ...local, message: `${local.message} ${slurmSuffix(slurm, false)}` }
      : local);
  return new StageFailedError(stage.name, message, {
    exitCode: outcome.code,
    logTail: outcome.tail,
    logFile,
    hint: hint ?? outcome.error?.hint,
  });
}

/** Names a key of the stage in the pipeline file, for hints. */
function yamlKeyOf(
  stage: LoadedStage,
  at: { file: string; line: number },
): (field: string) => string {
  return (field) =>
    `stages.${stage.name}.${field} in ${
      displayPath(at.file)
    } (stage at line ${at.line})`;
}

async function hasEntries(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return true;
  } catch { /* missing */ }
  return false;
}
