/**
 * Stages as Slurm jobs. The runner writes a job folder under the cache (on
 * the file system every node shares) and submits a batch script; on the
 * node, the job program spawns the stage host in the same sandbox as a
 * local child and leaves its output and exit in the folder; the runner
 * tails that output through the same trust boundary and follows the job
 * with scontrol. The commit stays with the runner, as locally.
 *
 * Part of the child wing: it may import the cache wing and the base.
 *
 * @module
 */
export {
  cancelJob,
  jobState,
  parseJobLine,
  SlurmError,
  type SlurmJobState,
  submitJob,
} from "./slurm_client.ts";
export {
  runSlurmStageProcess,
  type SlurmJobEnd,
  type SlurmRequest,
  type SlurmStageProcessOptions,
  type SlurmStageProcessResult,
} from "./slurm_stage_process.ts";
export {
  JOB_FILES,
  type SlurmJobExit,
  type SlurmJobSpec,
} from "./slurm_job_spec.ts";
