/**
 * Runs a loaded pipeline: evaluates stages in dependency order, reuses cached
 * outputs, runs the rest (independent stages concurrently, up to `jobs`),
 * stops the dependants of a failed stage and lets unrelated branches finish.
 * A dry run (also what `status` shows) evaluates without running anything.
 *
 * @module
 */
import { runtimeFacts } from "./cache_key.ts";
import { type Digest, digestBytes, lazyFileHasher } from "./digest.ts";
import { stageFacts } from "./describe_stages.ts";
import {
  type ArtifactRef,
  evaluateStage,
  type Evaluation,
  type RunState,
} from "./evaluate_stage.ts";
import { executeStage } from "./execute_stage.ts";
import { linkOutput } from "./link_output.ts";
import {
  type LoadedStage,
  type Pipeline,
  probeSandbox,
} from "./load_pipeline.ts";
import {
  type RunReporter,
  SILENT_REPORTER,
  type StageOutcome,
} from "./run_reporter.ts";
import { readHeads } from "./run_record.ts";
import {
  acquireStageLock,
  acquireStoreLock,
  tryAcquireStageLock,
} from "./stage_lock.ts";
import { removeTree } from "./tree.ts";
import { StageFailedError } from "./stage_failed_error.ts";
import type { StaleReason } from "./stale_reasons.ts";
import { Store } from "./store.ts";
import { displayPath } from "./display_path.ts";
import {
  checkStageFlags,
  forcedStages,
  selectStages,
} from "./_stage_selection.ts";

/** Options of {@linkcode runPipeline}. */
export interface RunOptions {
  /** Stages that may run at once. @default 2 */
  jobs?: number;
  /** Re-run this stage and every stage after it, even if cached. */
  from?: string;
  /** Run only this stage (its inputs must be cached). */
  only?: string;
  /** Re-run these stages even if cached (their dependants re-run only if the output changed). */
  force?: readonly string[];
  /** Evaluate and report what would run, without running anything. */
  dryRun?: boolean;
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
  const jobs = Math.max(1, options.jobs ?? 2);
  checkStageFlags(pipeline, options);
  const runId = `${
    new Date().toISOString().replace(/[-:.TZ]/g, "").slice(0, 14)
  }-${crypto.randomUUID().slice(0, 6)}`;
  const pipelineId = await digestBytes(pipeline.path);
  const { cacheDir } = pipeline;
  await Deno.mkdir(cacheDir, { recursive: true });
  using _storeLock = await acquireStoreLock(cacheDir, false);
  const statCache = pipeline.statCache;
  if (!options.dryRun) await removeStaleStaging(cacheDir);

  const selected = selectStages(pipeline, options);
  const forced = forcedStages(pipeline, options);
  const factStages = pipeline.stages.filter((s) =>
    s.description.hasFacts && selected.evaluate.has(s.name)
  );
  const factValues = await stageFacts(
    factStages.map((s) => ({
      name: s.name,
      module: s.modulePath,
      params: s.description.params,
      codeDigest: "",
      codePaths: s.code.paths,
    })),
    probeSandbox(),
    {
      read: factStages.flatMap((s) => s.description.permissions.read),
      env: factStages.flatMap((s) => s.description.permissions.env),
      sys: factStages.flatMap((s) => s.description.permissions.sys),
    },
  );
  const state: RunState = {
    pipeline,
    store: new Store(cacheDir),
    statCache,
    hasher: lazyFileHasher(),
    heads: await readHeads(cacheDir, pipelineId),
    facts: new Map(factStages.map((s, i) => [s.name, factValues[i]])),
    runtime: runtimeFacts(),
  };

  reporter.planned(pipeline.stages.map((s) => s.name));
  const artifacts = new Map<string, ArtifactRef | undefined>();
  const results = new Map<string, StageResult>();
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
      finish(stage, { state: "cached" }, evaluation.key);
      return;
    }
    if (evaluation.blockers.length > 0 && !options.dryRun) {
      artifacts.set(stage.name, undefined);
      const [first, ...more] = evaluation.blockers;
      throw new StageFailedError(
        stage.name,
        [first.message, ...more.map((b) => b.message)].join("; "),
        { exitCode: null, logTail: [], hint: first.hint },
      );
    }
    if (options.dryRun || !selected.run.has(stage.name)) {
      artifacts.set(stage.name, undefined);
      if (!options.dryRun) {
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
      finish(
        stage,
        {
          state: "would-run",
          reasons: evaluation.reasons,
          blockers: evaluation.blockers,
        },
        evaluation.key,
      );
      return;
    }
    const artifact = await executeLocked(stage, evaluation);
    artifacts.set(stage.name, artifact.ref);
    await linkOutput(pipeline.outputsDir, stage.name, artifact.ref.tree);
    finish(stage, artifact.outcome, evaluation.key);
  };

  const executeLocked = async (
    stage: LoadedStage,
    evaluation: Evaluation,
  ): Promise<{ ref: ArtifactRef; outcome: StageOutcome }> => {
    const key = evaluation.key!;
    using _lock = await acquireStageLock(
      cacheDir,
      key,
      (pid) => reporter.stageWaiting(stage.name, pid),
    );
    // Another run may have finished this very key while we waited.
    const again = forced.has(stage.name)
      ? evaluation
      : await evaluateStage(stage, artifacts, state);
    if (again.cached) {
      return { ref: again.cached.artifact, outcome: { state: "cached" } };
    }
    const { artifact, summary, durationMs } = await executeStage(stage, {
      state,
      key,
      facets: {
        ...evaluation.facets,
        inputs: evaluation.facets.inputs as Record<string, Digest>,
      },
      reasons: evaluation.reasons,
      upstream: artifacts,
      fresh: forced.has(stage.name),
      runId,
      pipelineId,
      reporter,
      confine: options.confine ?? "auto",
      signal: options.signal,
    });
    return { ref: artifact, outcome: { state: "ran", durationMs, summary } };
  };

  // Schedule: a stage starts once all its upstream stages are resolved.
  const pending = pipeline.stages.filter((s) => selected.evaluate.has(s.name));
  const running = new Map<string, Promise<void>>();
  while (pending.length > 0 || running.size > 0) {
    for (let i = 0; i < pending.length && running.size < jobs; i++) {
      const stage = pending[i];
      const upstream = Object.values(stage.needs);
      const broken = upstream.find((u) => {
        const state = results.get(u)?.outcome.state;
        return state === "failed" || state === "blocked";
      });
      if (broken) {
        pending.splice(i--, 1);
        finish(stage, { state: "blocked", by: broken });
        continue;
      }
      if (!upstream.every((u) => results.has(u))) continue;
      pending.splice(i--, 1);
      const task = runOne(stage).catch((error) => {
        if (!(error instanceof StageFailedError)) throw error;
        finish(stage, { state: "failed", error });
      }).finally(() => running.delete(stage.name));
      running.set(stage.name, task);
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (
      pending.length > 0 &&
      !pending.some((s) => Object.values(s.needs).every((u) => results.has(u)))
    ) {
      // Upstream of the remaining stages was not selected: nothing more can start.
      break;
    }
  }
  for (const stage of pipeline.stages) {
    if (!results.has(stage.name)) finish(stage, { state: "skipped" });
  }
  await statCache.save();
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

/**
 * Removes staging directories that no live run owns: a run killed mid-stage
 * leaves one behind, whatever key the next run computes for that stage.
 */
async function removeStaleStaging(cacheDir: string): Promise<void> {
  let names: string[];
  try {
    names = (await Array.fromAsync(Deno.readDir(`${cacheDir}/staging`))).map((
      e,
    ) => e.name);
  } catch {
    return;
  }
  for (const key of names) {
    using lock = await tryAcquireStageLock(cacheDir, key);
    if (lock) await removeTree(`${cacheDir}/staging/${key}`);
  }
}

function describeReasons(reasons: readonly StaleReason[]): string {
  return reasons.map((r) => r.kind).join(", ");
}
