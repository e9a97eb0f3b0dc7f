/**
 * The folder a Slurm job of a stage works in, under the cache so that every
 * node sees it: the job file the runner writes (and the job only reads),
 * the script Slurm runs, and what the job leaves for the runner: the stage
 * host's stdout and stderr as files, and how it exited.
 *
 * @module
 */
import type { Confinement, SandboxPermissions } from "../sandbox.ts";
import type { StageJob } from "../stage_protocol.ts";

/** What the job should run: written by the runner, read by the job. */
export interface SlurmJobSpec {
  /** Format version. */
  version: 1;
  /** The stage host's job (a run). */
  job: Extract<StageJob, { mode: "run" }>;
  /** The stage's sandbox, as locally (the environment is made on the node). */
  sandbox: {
    /** What the stage may touch. */
    permissions: SandboxPermissions;
    /** Its working directory. */
    cwd: string;
    /** The project's deno.json. */
    configPath: string;
    /** Whether to confine native code with bubblewrap where the node has it. */
    confine: "auto" | "never";
  };
  /** Environment variables the stage is granted: their values come from the job's environment, never from this file. */
  envNames: string[];
  /** The stage's time limit (Slurm's --time is whole minutes), if any. */
  timeoutMs?: number;
  /** The stage's memory limit; without one, the same share of the node's memory as locally. */
  memoryBytes?: number;
}

/** How the stage host ended, as the job saw it. */
export interface SlurmJobExit {
  /** Format version. */
  version: 1;
  /** The node it ran on. */
  host: string;
  /** Its exit code. */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** True when the job ended it at its time limit. */
  timedOut: boolean;
  /** True when the job ended it at its memory limit. */
  outOfMemory: boolean;
  /** True when Slurm asked the job to end (scancel, its time limit, preemption). */
  terminated: boolean;
  /** The most resident memory its process tree held at once. */
  peakMemoryBytes: number;
  /** How its native code was confined on that node. */
  confinement: Confinement;
}

/** The files of a job folder. */
export const JOB_FILES = {
  /** The {@linkcode SlurmJobSpec}. */
  spec: "job.json",
  /** The batch script. */
  script: "job.sh",
  /** The stage host's stdout (events and log lines). */
  stdout: "stdout",
  /** The stage host's stderr. */
  stderr: "stderr",
  /** The {@linkcode SlurmJobExit}, written last. */
  exit: "exit.json",
  /** Slurm's own output of the job (slurmstepd's notices). */
  slurmOutput: "slurm.out",
  /** The Slurm job id, written by the runner once submitted. */
  jobId: "job_id",
} as const;
