/**
 * Where a stage's sandboxed child runs: on this machine (the local
 * executor), or as a Slurm job on whichever node Slurm picks, with the
 * resources the stage declares. Either way the child, its permissions, its
 * sandbox and its limits are the same, and the commit stays with the
 * runner.
 *
 * @module
 */
import type { Digest } from "../cache/digest.ts";
import type { RunWhere } from "../cache/run_record.ts";
import { childBaseEnv } from "../child/child_env.ts";
import type { SandboxPermissions } from "../child/sandbox.ts";
import type { SlurmJobEnd, SlurmJobState } from "../child/slurm/mod.ts";
import type { StageEvent, StageJob } from "../child/stage_protocol.ts";
import {
  runStageProcess,
  type StageProcessResult,
} from "../child/stage_process.ts";
import type { LoadedStage, Pipeline } from "../pipeline/load_pipeline.ts";
import { PROJECT_ROOT } from "../paths.ts";

/** What to run, wherever it runs. */
export interface ExecutorRequest {
  /** The stage. */
  stage: LoadedStage;
  /** Its cache key (names its Slurm job folder). */
  key: Digest;
  /** The stage host's job. */
  job: Extract<StageJob, { mode: "run" }>;
  /** What the child may touch. */
  permissions: SandboxPermissions;
  /** Its log file (created by the caller). */
  logFile: string;
  /** Confine native code with bubblewrap where available. */
  confine: "auto" | "never";
  /** Ends the stage when aborted. */
  signal?: AbortSignal;
  /** Takes the child's progress and log events. */
  onEvent(event: StageEvent): void;
  /** The machine facts in the stage's key, for a stage that declares some. */
  facts?: Record<string, string>;
}

/** How a stage's child ended, and where it ran. */
export interface ExecutorResult {
  /** How the child ended. */
  outcome: StageProcessResult;
  /** Where it ran. */
  where: RunWhere;
  /** What Slurm says about its job, for the Slurm executor. */
  slurm?: SlurmJobEnd;
}

/**
 * Runs the request on the pipeline's executor.
 *
 * @throws {SlurmError} when Slurm refuses the job or cannot be reached.
 */
export async function runOnExecutor(
  pipeline: Pipeline,
  request: ExecutorRequest,
): Promise<ExecutorResult> {
  const { stage } = request;
  const executor = pipeline.executor;
  switch (executor.kind) {
    case "local": {
      const env = childBaseEnv();
      for (const name of request.permissions.env) {
        const value = Deno.env.get(name);
        if (value !== undefined) env[name] = value;
      }
      const outcome = await runStageProcess({
        job: request.job,
        sandbox: {
          permissions: request.permissions,
          cwd: pipeline.dir,
          env,
          configPath: `${PROJECT_ROOT}/deno.json`,
          confine: request.confine,
        },
        logFile: request.logFile,
        signal: request.signal,
        timeoutMs: stage.limits.timeMs,
        memoryBytes: stage.limits.memoryBytes,
        onEvent: request.onEvent,
      });
      return {
        outcome,
        where: { executor: "local", host: Deno.hostname() },
      };
    }
    case "slurm": {
      // Only a limit the stage or the pipeline file set: the default share
      // of memory is the node's, applied by the job program there.
      const memoryBytes = stage.resources.memoryBytes ??
        stage.description.resources.memoryBytes;
      // Loaded only for a Slurm run: a local run never pays for it.
      const { runSlurmStageProcess } = await import("../child/slurm/mod.ts");
      const outcome = await runSlurmStageProcess({
        // The runner computed the facts in the key; the node must agree.
        job: request.facts === undefined
          ? request.job
          : { ...request.job, expectFacts: request.facts },
        sandbox: {
          permissions: request.permissions,
          cwd: pipeline.dir,
          configPath: `${PROJECT_ROOT}/deno.json`,
          envNames: request.permissions.env,
          confine: request.confine,
        },
        jobDir: jobDir(pipeline.cacheDir, request.key),
        jobName: `${pipeline.name}:${stage.name}`.replace(/[^\w.:-]/g, "_"),
        request: {
          cpus: stage.limits.cpus,
          gpus: stage.limits.gpus,
          partition: stage.limits.partition ?? executor.partition,
          memoryBytes,
          timeMs: stage.limits.timeMs,
          sbatchArgs: executor.sbatchArgs,
        },
        logFile: request.logFile,
        signal: request.signal,
        timeoutMs: stage.limits.timeMs,
        memoryBytes,
        onEvent: request.onEvent,
        onState: (state) => request.onEvent(jobProgress(state)),
      });
      return {
        outcome,
        where: {
          executor: "slurm",
          host: outcome.slurm.node ?? "unknown",
          jobId: outcome.slurm.jobId,
        },
        slurm: outcome.slurm,
      };
    }
  }
}

/** The folder of the Slurm job of `key` (under the cache, which every node shares). */
export function jobDir(cacheDir: string, key: Digest): string {
  return `${cacheDir}/jobs/${key}`;
}

/** A job's state as a progress line until the stage reports its own. */
function jobProgress(state: SlurmJobState): StageEvent {
  const where = state.node ? ` on ${state.node}` : "";
  return {
    t: "progress",
    label: `Slurm job ${state.jobId}`,
    done: 0,
    message: `${state.state.toLowerCase()}${where}${
      state.reason && state.state === "PENDING" ? ` (${state.reason})` : ""
    }`,
  };
}
