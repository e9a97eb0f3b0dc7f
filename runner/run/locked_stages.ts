/**
 * What a run does with a stage it did not find cached, under the stage's
 * lock (so two runs, on one host or on two, never do it at once): look
 * again (another run may have finished it while this one waited), pull it
 * from the remote cache, or run it on the executor, commit it and push it.
 *
 * @module
 */
import type { ArtifactRef } from "../cache/artifact.ts";
import type { Digest } from "../cache/digest.ts";
import {
  type RunRecord,
  type RunWhere,
  writeHead,
} from "../cache/run_record.ts";
import { acquireStageLock, type LockKind } from "../cache/stage_lock.ts";
import type { LoadedStage } from "../pipeline/load_pipeline.ts";
import { evaluateStage, type Evaluation } from "./evaluate_stage.ts";
import { executeStage } from "./execute_stage.ts";
import type { RemoteSession } from "./remote_session.ts";
import type { RunReporter, StageOutcome } from "./run_reporter.ts";
import type { RunState } from "./run_state.ts";
import { StageFailedError } from "./stage_failed_error.ts";

/** A stage's artifact and how the run got it. */
export interface StageArtifact {
  /** The stored output. */
  artifact: ArtifactRef;
  /** How the stage ended. */
  outcome: StageOutcome;
}

/** What {@linkcode LockedStages} works with: one run's state and settings. */
export interface LockedStagesContext {
  /** The run's shared state. */
  state: RunState;
  /** Artifacts of the stages resolved so far, by name. */
  artifacts: ReadonlyMap<string, ArtifactRef | undefined>;
  /** Stages forced to run (`--force`, `--from`). */
  forced: ReadonlyMap<string, "force" | "from">;
  /** The remote cache, if any. */
  remote?: RemoteSession;
  /** How stage locks are taken. */
  lockKind: LockKind;
  /** Where events go. */
  reporter: RunReporter;
  /** The run's id. */
  runId: string;
  /** Confine native code with bubblewrap where available. */
  confine: "auto" | "never";
  /** Aborts running stages. */
  signal?: AbortSignal;
  /** Collects the stages whose native code ran unconfined. */
  unconfined: string[];
}

/** A run's stages that must be pulled or run, each under its lock. */
export class LockedStages {
  #context: LockedStagesContext;

  constructor(context: LockedStagesContext) {
    this.#context = context;
  }

  /** The stage's run from the remote cache, pulled under its lock; undefined when the remote cannot give it. */
  async pull(
    stage: LoadedStage,
    key: Digest,
  ): Promise<StageArtifact | undefined> {
    using _lock = await this.#lock(stage, key);
    const { state, artifacts } = this.#context;
    const again = await evaluateStage(stage, artifacts, state);
    if (again.cached) return cachedHere(again.cached);
    return await this.#fromRemote(stage, key);
  }

  /** Takes the stage from wherever it became cached meanwhile, or from the remote, or runs it. */
  async execute(
    stage: LoadedStage,
    evaluation: Evaluation,
  ): Promise<StageArtifact> {
    const key = evaluation.key!;
    const { state, artifacts, forced, remote, reporter } = this.#context;
    using lock = await this.#lock(stage, key);
    // Another run may have finished this very key while we waited.
    const again = forced.has(stage.name)
      ? evaluation
      : await evaluateStage(stage, artifacts, state);
    if (again.cached) return cachedHere(again.cached);
    if (!forced.has(stage.name)) {
      const pulled = await this.#fromRemote(stage, key);
      if (pulled) return pulled;
    }
    const { signal } = this.#context;
    const ran = await executeStage(stage, {
      state,
      key,
      facets: {
        ...evaluation.facets,
        inputs: evaluation.facets.inputs as Record<string, Digest>,
      },
      reasons: evaluation.reasons,
      upstream: artifacts,
      fresh: forced.has(stage.name),
      runId: this.#context.runId,
      reporter,
      confine: this.#context.confine,
      // A lease lost to another run (this one stalled) ends the stage.
      signal: signal ? AbortSignal.any([signal, lock.lost]) : lock.lost,
    }).catch((error) => {
      if (!lock.lost.aborted || !(error instanceof StageFailedError)) {
        throw error;
      }
      throw new StageFailedError(
        stage.name,
        `Stage "${stage.name}" was stopped: ${
          (lock.lost.reason as Error).message
        }`,
        {
          ...error.options,
          hint:
            "another run took over its lock; run again, and keep the runner's host from stalling (a suspended laptop, an overloaded login node)",
          cause: error,
        },
      );
    });
    if (ran.confinement === "unconfined") {
      this.#context.unconfined.push(stage.name);
    }
    remote?.push(key, state.pipeline.cacheDir, state.store);
    return {
      artifact: ran.artifact,
      outcome: {
        state: "ran",
        durationMs: ran.durationMs,
        summary: ran.summary,
        output: ran.output,
        peakMemoryBytes: ran.peakMemoryBytes,
        where: ran.where,
      },
    };
  }

  async #lock(stage: LoadedStage, key: Digest) {
    const { state, reporter, lockKind } = this.#context;
    return await acquireStageLock(
      state.pipeline.cacheDir,
      key,
      (pid, host) => reporter.stageWaiting(stage.name, pid, host),
      { kind: lockKind },
    );
  }

  /** Pulls the stage's run (the caller holds its lock) and takes it when whole. */
  async #fromRemote(
    stage: LoadedStage,
    key: Digest,
  ): Promise<StageArtifact | undefined> {
    const { state, artifacts, remote } = this.#context;
    const { cacheDir } = state.pipeline;
    if (
      !remote ||
      !(await remote.pull(stage.name, key, { cacheDir, store: state.store }))
    ) {
      return undefined;
    }
    const pulled = await evaluateStage(stage, artifacts, state);
    if (!pulled.cached) return undefined; // a referenced file differs here
    await writeHead(cacheDir, state.pipelineId, stage.name, key);
    return {
      artifact: pulled.cached.artifact,
      outcome: {
        state: "cached",
        source: "remote",
        ...whereOf(pulled.cached.record),
      },
    };
  }
}

function cachedHere(
  cached: { record: RunRecord; artifact: ArtifactRef },
): StageArtifact {
  return {
    artifact: cached.artifact,
    outcome: { state: "cached", source: "local", ...whereOf(cached.record) },
  };
}

/** Where a cached run ran, and the remote it was pulled from, as its record says. */
export function whereOf(
  record: RunRecord,
): { where?: RunWhere; pulledFrom?: string } {
  return {
    ...(record.where ? { where: record.where } : {}),
    ...(record.pulled ? { pulledFrom: record.pulled.from } : {}),
  };
}
