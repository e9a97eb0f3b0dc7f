/**
 * The sbatch command line of a stage's job: its name, its output file, its
 * working directory, no requeue, only the environment it needs, and the
 * resources the stage asks for in Slurm's units; and the batch script.
 *
 * @module
 */
/** What a job asks Slurm for. */
export interface SlurmRequest {
  /** `--cpus-per-task`. */
  cpus?: number;
  /** `--mem`, rounded up to MiB. */
  memoryBytes?: number;
  /** `--time`, rounded up to minutes. */
  timeMs?: number;
  /** `--gres=gpu:N`. */
  gpus?: number;
  /** `--partition`. */
  partition?: string;
  /** More sbatch arguments, as the pipeline file gives them. */
  sbatchArgs?: readonly string[];
}

/** The job besides its resources. */
export interface SlurmJobIdentity {
  /** The Slurm job name. */
  jobName: string;
  /** Its working directory. */
  cwd: string;
  /** The environment variables the stage is granted (exported to the job). */
  envNames: readonly string[];
  /** Where Slurm writes the job's own output. */
  slurmOutput: string;
}

/** The sbatch options of a stage's job. */
export function sbatchArgs(
  request: SlurmRequest,
  job: SlurmJobIdentity,
): string[] {
  const args = [
    `--job-name=${job.jobName}`,
    `--output=${job.slurmOutput}`,
    `--chdir=${job.cwd}`,
    // A job lost with its node ends as NODE_FAIL (the run says so, and a
    // re-run resumes from checkpoints) instead of restarting behind the
    // runner's back into a job folder it is still reading.
    "--no-requeue",
    // Only what the job needs crosses into it (never, say, a cache token).
    `--export=${
      [
        "PATH",
        "HOME",
        "LANG",
        "DENO_DIR",
        "XDG_CACHE_HOME",
        "SLURM_CONF",
        ...job.envNames,
      ].filter((name, i, all) =>
        all.indexOf(name) === i && Deno.env.get(name) !== undefined
      ).join(",") || "NONE"
    }`,
  ];
  if (request.cpus !== undefined) args.push(`--cpus-per-task=${request.cpus}`);
  if (request.memoryBytes !== undefined) {
    args.push(`--mem=${Math.ceil(request.memoryBytes / 2 ** 20)}M`);
  }
  if (request.timeMs !== undefined) {
    args.push(`--time=${Math.max(1, Math.ceil(request.timeMs / 60_000))}`);
  }
  if (request.gpus) args.push(`--gres=gpu:${request.gpus}`);
  if (request.partition) args.push(`--partition=${request.partition}`);
  args.push(...(request.sbatchArgs ?? []));
  return args;
}

/** The batch script: exec `command` (each word quoted for sh). */
export function batchScript(command: readonly string[]): string {
  return `#!/bin/sh\nexec ${command.map(shellQuote).join(" ")}\n`;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
