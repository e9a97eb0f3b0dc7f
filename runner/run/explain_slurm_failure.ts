/**
 * A stage's Slurm job that did not finish well, in words: out of memory,
 * past its time limit, lost with its node, preempted, cancelled, or simply
 * failed, each with Slurm's own state and reason and the pipeline key that
 * changes the outcome.
 *
 * @module
 */
import type { SlurmJobEnd } from "../child/slurm/mod.ts";
import { formatSize } from "../resources.ts";
import { formatDuration } from "./format_duration.ts";

const RESUMES = "training resumes from its last finished epoch";

/** `(Slurm job 12 on node1: OUT_OF_MEMORY, OutOfMemory)`: the job and what Slurm says of it. */
export function slurmSuffix(slurm: SlurmJobEnd, withState = true): string {
  const where = slurm.node ? ` on ${slurm.node}` : "";
  const state = withState
    ? `: ${slurm.state}${slurm.reason ? `, ${slurm.reason}` : ""}`
    : "";
  return `(Slurm job ${slurm.jobId}${where}${state})`;
}

/**
 * Explains a job whose end Slurm decided (memory, time, node, preemption,
 * cancellation); undefined when the stage itself failed, which the local
 * explanation covers.
 */
export function explainSlurmFailure(
  stage: string,
  slurm: SlurmJobEnd,
  limits: { memoryBytes?: number; timeMs?: number },
  yamlKey: (field: string) => string,
): { message: string; hint?: string } | undefined {
  const suffix = slurmSuffix(slurm);
  const notice = slurm.notice ? `; Slurm said: ${slurm.notice}` : "";
  switch (slurm.state) {
    case "OUT_OF_MEMORY":
      return {
        message: `Stage "${stage}" ran out of ${
          limits.memoryBytes === undefined
            ? "the memory Slurm gave its job"
            : `its ${formatSize(limits.memoryBytes)} memory limit`
        } and was ended ${suffix}`,
        hint: `raise ${
          yamlKey("resources.memory")
        }, or lower its batch or image size; ${RESUMES}`,
      };
    case "TIMEOUT":
      return {
        message: `Stage "${stage}" ran past ${
          limits.timeMs === undefined
            ? "the time limit Slurm gave its job (the partition's default)"
            : `its time limit of ${formatDuration(limits.timeMs)}`
        } and was ended ${suffix}`,
        hint: `${limits.timeMs === undefined ? "set" : "raise"} ${
          yamlKey("resources.time")
        }; ${RESUMES}`,
      };
    case "NODE_FAIL":
    case "BOOT_FAIL":
      return {
        message: `Stage "${stage}" was lost with its node ${suffix}${notice}`,
        hint: `run again: Slurm picks a node that is up; ${RESUMES}`,
      };
    case "PREEMPTED":
      return {
        message:
          `Stage "${stage}" was preempted by a job of higher priority ${suffix}`,
        hint: `run again, or pick a partition without preemption (${
          yamlKey("resources.partition")
        }); ${RESUMES}`,
      };
    case "DEADLINE":
      return {
        message: `Stage "${stage}" passed its job's deadline ${suffix}`,
        hint: `run again; ${RESUMES}`,
      };
    case "CANCELLED":
      return slurm.cancelledByRunner
        ? {
          message: `Stage "${stage}" was cancelled: the run was interrupted ${
            slurmSuffix(slurm, false)
          }`,
          hint: `run again; ${RESUMES}`,
        }
        : {
          message:
            `Stage "${stage}" was cancelled in Slurm (scancel, or an administrator) ${suffix}${notice}`,
          hint: `run again; ${RESUMES}`,
        };
    case "UNKNOWN":
      return slurm.exit ? undefined : {
        message:
          `Stage "${stage}" ended without a word: Slurm no longer knows job ${slurm.jobId} and it left no exit file`,
        hint:
          "look at the job's slurm.out in the cache's jobs/ folder; the cache must be on a file system every node shares",
      };
    default:
      return undefined;
  }
}

/** A hint for a job Slurm refused at submission. */
export function submitHint(
  message: string,
  yamlKey: (field: string) => string,
): string {
  if (/partition/i.test(message)) {
    return `name a partition that exists (sinfo) in ${
      yamlKey("resources.partition")
    }, or in executor.slurm.partition`;
  }
  if (/node configuration|memory specification|gres|cpu count/i.test(message)) {
    return `ask for what a node of the partition has: lower ${
      yamlKey("resources.memory")
    }, resources.cpus or resources.gpus, or pick another partition`;
  }
  return "check the job's resources and the executor's sbatch_args; `sbatch --test-only` shows what Slurm would do";
}
