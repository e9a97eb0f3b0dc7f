/**
 * The Slurm commands the runner uses: `sbatch --parsable` to submit,
 * `scontrol show job -o` to follow a job (there may be no accounting
 * database, so `sacct` is never needed), and `scancel`. They find the
 * cluster as any Slurm client does (`SLURM_CONF`, or configless).
 *
 * @module
 */
import { HintedError } from "../../../lib/hinted_error.ts";
import { terminalSafe } from "../child_output.ts";

/** A Slurm command failed or is missing. */
export class SlurmError extends HintedError {
  override name = "SlurmError";
}

/** Job states after which a job runs no more (`COMPLETING` is not one of them). */
export const FINISHED_STATES: ReadonlySet<string> = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "OUT_OF_MEMORY",
  "NODE_FAIL",
  "PREEMPTED",
  "BOOT_FAIL",
  "DEADLINE",
]);

/** A job as `scontrol show job -o` describes it. */
export interface SlurmJobState {
  /** The job id. */
  jobId: string;
  /** `JobState`: PENDING, RUNNING, COMPLETING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, … */
  state: string;
  /** `Reason`, unless `None`: why it waits, or why it ended (OutOfMemory, TimeLimit, NodeDown, …). */
  reason?: string;
  /** The node its batch script runs on, once it started. */
  node?: string;
  /** The exit code of the batch script (`ExitCode=<code>:<signal>`). */
  exitCode?: number;
  /** The signal that ended the batch script, if any. */
  exitSignal?: number;
  /** True once the job runs no more. */
  finished: boolean;
}

/** Reads one line of `scontrol show job -o`; undefined when it is not a job. */
export function parseJobLine(line: string): SlurmJobState | undefined {
  const field = (name: string) =>
    line.match(new RegExp(`(?:^|\\s)${name}=(\\S*)`))?.[1];
  const jobId = field("JobId");
  const state = field("JobState");
  if (!jobId || !state) return undefined;
  const reason = field("Reason");
  const node = field("BatchHost") ?? field("NodeList");
  const exit = field("ExitCode")?.match(/^(\d+):(\d+)$/);
  return {
    jobId,
    state,
    ...(reason && reason !== "None"
      ? { reason: terminalSafe(reason, 200) }
      : {}),
    ...(node && node !== "(null)" ? { node: terminalSafe(node, 200) } : {}),
    ...(exit ? { exitCode: Number(exit[1]), exitSignal: Number(exit[2]) } : {}),
    finished: FINISHED_STATES.has(state),
  };
}

async function slurm(
  command: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new SlurmError(
        `Cannot run "${command}": Slurm's client commands are not installed here`,
        {
          hint:
            "start the runner on a Slurm login node (apt-get install slurm-client), or use executor: local",
          cause: error,
        },
      );
    }
    throw error;
  }
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: terminalSafe(decoder.decode(output.stderr).trim(), 2_000),
  };
}

/**
 * Submits `script` with `args` (sbatch options) and returns the job id.
 *
 * @throws {SlurmError} with sbatch's own message when Slurm refuses the job.
 */
export async function submitJob(
  args: readonly string[],
  script: string,
): Promise<string> {
  const { code, stdout, stderr } = await slurm("sbatch", [
    "--parsable",
    ...args,
    script,
  ]);
  const jobId = stdout.trim().split(";")[0];
  if (code !== 0 || !/^\d+$/.test(jobId)) {
    throw new SlurmError(
      `Cannot submit the job: ${
        stderr.replace(/^sbatch: error: /gm, "") || `sbatch exited with ${code}`
      }`,
    );
  }
  return jobId;
}

/**
 * The job's state now; undefined when Slurm no longer knows it (it ended
 * longer ago than the cluster's MinJobAge).
 *
 * @throws {SlurmError} when the controller cannot be reached.
 */
export async function jobState(
  jobId: string,
): Promise<SlurmJobState | undefined> {
  const { code, stdout, stderr } = await slurm("scontrol", [
    "show",
    "job",
    "-o",
    jobId,
  ]);
  if (code !== 0) {
    if (/Invalid job id/i.test(stderr)) return undefined;
    throw new SlurmError(
      `Cannot read the state of Slurm job ${jobId}: ${stderr}`,
      { hint: "check that slurmctld is up (scontrol ping)" },
    );
  }
  return stdout.split("\n").map(parseJobLine).find((job) =>
    job?.jobId === jobId
  );
}

/** Cancels a job (Slurm sends SIGTERM, then SIGKILL after its KillWait). */
export async function cancelJob(jobId: string): Promise<void> {
  await slurm("scancel", [jobId]);
}
