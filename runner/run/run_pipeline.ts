/**
 * Runs a loaded pipeline: evaluates stages in dependency order, reuses cached
 * outputs (pulling them from the remote cache on a local miss), runs the
 * rest on the pipeline's executor (independent stages concurrently, up to
 * `jobs`) and pushes what ran, stops the dependants of a failed stage and
 * lets unrelated branches finish. A dry run (also what `status` shows)
 * evaluates without running anything; a pull-only run fetches and runs
 * nothing.
 *
 * @module
 */
import type { ArtifactRef } from "../cache/artifact.ts";
import type { Digest } from "../cache/digest.ts";
import { linkOutput } from "../cache/link_output.ts";
import { lockKindFor } from "../cache/lock_kind.ts";
import {
  acquireStoreLock,
  type LockKind,
  tryAcquireStageLock,
} from "../cache/stage_lock.ts";
import type { StaleReason } from "../cache/stale_reasons.ts";
import { removeTree } from "../cache/tree.ts";
import type { LoadedStage, Pipeline } from "../pipeline/load_pipeline.ts";
import { displayPath } from "../paths.ts";
import { evaluateStage } from "./evaluate_stage.ts";
import {
  type RunReporter,
  SILENT_REPORTER,
  type StageOutcome,
} from "./run_reporter.ts";
import { openRunState } from "./run_state.ts";
import { LockedStages, whereOf } from "./locked_stages.ts";
import { schedule } from "./schedule.ts";
import { StageFailedError } from "./stage_failed_error.ts";
import {
  checkStageFlags,
  forcedStages,
  selectStages,
} from "./stage_selection.ts";

/** Options of {@linkcode runPipeline}. */
export interface RunOptions {
  /** Stages that may run at once. @default 2, or 8 with the Slurm executor */
  jobs?: number;
  /** Re-run this stage and every stage after it, even if cached. */
  from?: string;
  /** Run only this stage (its inputs must be cached). */
  only?: string;
  /** Re-run these stages even if cached (their dependants re-run only if the output changed). */
  force?: readonly string[];
  /** Evaluate and report what would run, without running anything. */
  dryRun?: boolean;
  /** Take from the remote cache whatever is not cached here, and run nothing (`deno task pull`). */
  pullOnly?: boolean;
  /** Where events go. @default a silent reporter */
  reporter?: RunReporter;
  /** Confine native code with bubblewrap where available. @default "auto" */
  confine?: "auto" | "never";
  /** Aborts running stages. */
  signal?: AbortSignal;
}

/** One stage's result in a run. */
export interface StageResult {
  /** The stage. */
  name: string;
  /** How it ended. */
  outcome: StageOutcome;
  /** Its cache key, when known. */
  key?: Digest;
}

/** The result of a run. */
export interface RunSummary {
  /** This invocation's id (also in every `_run.json` it wrote). */
  runId: string;
  /** True when no stage failed or was blocked. */
  ok: boolean;
  /** Each stage's result, in pipeline order. */
  stages: StageResult[];
  /** Wall time of the whole run. */
  durationMs: number;
}

/**
 * Runs (or, with `dryRun`, plans) the pipeline.
 *
 * @throws {ConfigError} when `--from`, `--only` or `--force` names no stage.
 */
export async function runPipeline(
  pipeline: Pipeline,
  options: RunOptions = {},
): Promise<RunSummary> {
  const started = performance.now();
  const reporter = options.reporter ?? SILENT_REPORTER;
  checkStageFlags(pipeline, options);
  const runId = newRunId();
  const { cacheDir } = pipeline;
  await Deno.mkdir(cacheDir, { recursive: true });
  using _storeLock = await acquireStoreLock(cacheDir, false);
  const lockKind = lockKindFor(cacheDir, pipeline.cacheLocks);
  if (!options.dryRun) await removeStaleStaging(cacheDir, lockKind);

  const selected = selectStages(pipeline, options);
  const forced = forcedStages(pipeline, options);
  const evaluated = pipeline.stages.filter((s) =>
    selected.evaluate.has(s.name)
  );
  const state = await openRunState(pipeline, evaluated);

  // Loaded only with a remote: a run without one never pays for it.
  const remote = pipeline.remote
    ? (await import("./remote_session.ts")).openRemoteSession(
      pipeline,
      reporter,
    )
    : undefined;
  reporter.planned(pipeline.stages.map((s) => s.name));
  const artifacts = new Map<string, ArtifactRef | undefined>();
  const results = new Map<string, StageResult>();
  const unconfined: string[] = [];
  const finish = (stage: LoadedStage, outcome: StageOutcome, key?: Digest) => {
    results.set(stage.name, { name: stage.name, outcome, key });
    reporter.stageFinished(stage.name, outcome);
  };

  const runOne = async (stage: LoadedStage): Promise<void> => {
    const evaluation = await evaluateStage(
      stage,
      artifacts,
      state,
      forced.get(stage.name),
    );
    if (evaluation.cached) {
      artifacts.set(stage.name, evaluation.cached.artifact);
      if (!options.dryRun) {
        await linkOutput(
          pipeline.outputsDir,
          stage.name,
          evaluation.cached.artifact.tree,
        );
      }
      finish(stage, {
        state: "cached",
        source: "local",
        ...whereOf(evaluation.cached.record),
      }, evaluation.key);
      return;
    }
    artifacts.set(stage.name, undefined);
    const { key } = evaluation;
    const pullable = remote !== undefined && key !== undefined &&
      !forced.has(stage.name);
    if (
      pullable && !options.dryRun &&
      (options.pullOnly || !selected.run.has(stage.name))
    ) {
      const pulled = await locked.pull(stage, key);
      if (pulled) {
        artifacts.set(stage.name, pulled.artifact);
        await linkOutput(pipeline.outputsDir, stage.name, pulled.artifact.tree);
        finish(stage, pulled.outcome, key);
        return;
      }
    }
    if (options.dryRun || options.pullOnly) {
      finish(stage, {
        state: "would-run",
        reasons: evaluation.reasons,
        blockers: evaluation.blockers,
        ...(options.dryRun && pullable
          ? { onRemote: await remote.has(key) }
          : {}),
      }, key);
      return;
    }
    if (evaluation.blockers.length > 0) {
      const [first, ...more] = evaluation.blockers;
      throw new StageFailedError(
        stage.name,
        [first.message, ...more.map((b) => b.message)].join("; "),
        { exitCode: null, logTail: [], hint: first.hint },
      );
    }
    if (!selected.run.has(stage.name)) {
      throw new StageFailedError(
        stage.name,
        `Cannot use the output of stage "${stage.name}": it is not cached (${
          describeReasons(evaluation.reasons)
        })`,
        {
          exitCode: null,
          logTail: [],
          hint: `run it first (deno task run ${
            displayPath(pipeline.path)
          } --only ${stage.name}), or drop --only`,
        },
      );
    }
    const { artifact, outcome } = await locked.execute(stage, evaluation);
    artifacts.set(stage.name, artifact);
    await linkOutput(pipeline.outputsDir, stage.name, artifact.tree);
    finish(stage, outcome, evaluation.key);
  };

  const locked = new LockedStages({
    state,
    artifacts,
    forced,
    remote,
    lockKind,
    reporter,
    runId,
    confine: options.confine ?? "auto",
    signal: options.signal,
    unconfined,
  });

  await schedule(evaluated, {
    // A cluster queues what it cannot run yet: more stages may be in flight.
    jobs: Math.max(
      1,
      options.jobs ?? (pipeline.executor.kind === "slurm" ? 8 : 2),
    ),
    run: (stage) =>
      runOne(stage).then(() => "done" as const, (error) => {
        if (!(error instanceof StageFailedError)) throw error;
        finish(stage, { state: "failed", error });
        return "failed" as const;
      }),
    blocked: (stage, by) => finish(stage, { state: "blocked", by }),
  });
  for (const stage of pipeline.stages) {
    if (!results.has(stage.name)) finish(stage, { state: "skipped" });
  }
  if (unconfined.length > 0) {
    const names = pipeline.stages.filter((s) => unconfined.includes(s.name))
      .map((s) => `"${s.name}"`);
    reporter.warn(
      `bubblewrap is not installed, so the native code of ${
        names.join(", ")
      } ran unconfined (apt-get install bubblewrap)`,
    );
  }
  await remote?.flush();
  await state.statCache.save();
  const stages = pipeline.stages.map((s) => results.get(s.name)!);
  return {
    runId,
    ok: stages.every((s) =>
      s.outcome.state !== "failed" && s.outcome.state !== "blocked"
    ),
    stages,
    durationMs: Math.round(performance.now() - started),
  };
}

/** A run id that sorts by time: `YYYYMMDDhhmmss-xxxxxx`. */
function newRunId(): string {
  const time = new Date().toISOString().replace(/[-:.TZ]/g, "").slice(0, 14);
  return `${time}-${crypto.randomUUID().slice(0, 6)}`;
}

/**
 * Removes staging directories that no live run owns: a run killed mid-stage
 * leaves one behind, whatever key the next run computes for that stage.
 */
async function removeStaleStaging(
  cacheDir: string,
  kind: LockKind,
): Promise<void> {
  let names: string[];
  try {
    names = (await Array.fromAsync(Deno.readDir(`${cacheDir}/staging`))).map((
      e,
    ) => e.name);
  } catch {
    return;
  }
  for (const key of names) {
    using lock = await tryAcquireStageLock(cacheDir, key, { kind });
    if (lock) await removeTree(`${cacheDir}/staging/${key}`);
  }
}

function describeReasons(reasons: readonly StaleReason[]): string {
  return reasons.map((r) => r.kind).join(", ");
}
