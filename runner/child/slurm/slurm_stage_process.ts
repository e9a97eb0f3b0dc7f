/**
 * Runs one stage as a Slurm job and waits for it, as runStageProcess does
 * locally: writes the job folder (under the cache, on the file system every
 * node shares), submits the batch script with the stage's resources, tails
 * the stage host's stdout and stderr from the files the job writes (events
 * cross the same trust boundary as a local child's), follows the job's
 * state with scontrol, cancels it when aborted, and reads how it ended.
 *
 * @module
 */
import { removeTree } from "../../cache/tree.ts";
import { acceptJobExit, terminalSafe } from "../child_output.ts";
import type { SandboxOptions } from "../sandbox.ts";
import { createStageOutput, lineSplitter } from "../stage_output.ts";
import { FileTail } from "./_file_tail.ts";
import { batchScript, sbatchArgs, type SlurmRequest } from "./sbatch_args.ts";

export type { SlurmRequest } from "./sbatch_args.ts";
import type {
  StageProcessOptions,
  StageProcessResult,
} from "../stage_process.ts";
import {
  cancelJob,
  jobState,
  type SlurmJobState,
  submitJob,
} from "./slurm_client.ts";
import {
  JOB_FILES,
  type SlurmJobExit,
  type SlurmJobSpec,
} from "./slurm_job_spec.ts";

/** The job program Slurm runs on the node. */
export const SLURM_JOB_PROGRAM = new URL("./_slurm_job.ts", import.meta.url)
  .pathname;

/** Options of {@linkcode runSlurmStageProcess}. */
export interface SlurmStageProcessOptions
  extends Omit<StageProcessOptions, "sandbox" | "job"> {
  /** The stage host's job (a run). */
  job: SlurmJobSpec["job"];
  /** The sandbox, as locally, with the names of the granted environment variables instead of values. */
  sandbox:
    & Omit<SandboxOptions, "script" | "env" | "confine">
    & { envNames: readonly string[]; confine?: "auto" | "never" };
  /** The job folder (created afresh; on the shared file system). */
  jobDir: string;
  /** The Slurm job name. */
  jobName: string;
  /** What to ask Slurm for. */
  request: SlurmRequest;
  /** Called with the job's state whenever it changes (submitted, pending, running, ended). */
  onState?: (state: SlurmJobState) => void;
  /** How often the job's state is read. @default 1000 */
  pollMs?: number;
}

/** How a Slurm job of a stage ended. */
export interface SlurmJobEnd {
  /** The job id. */
  jobId: string;
  /** Its last state (COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, …; UNKNOWN when Slurm forgot it). */
  state: string;
  /** Slurm's reason, when it gave one. */
  reason?: string;
  /** The node it ran on. */
  node?: string;
  /** slurmstepd's own notice in the job's output (`*** JOB 12 ON node1 CANCELLED AT … DUE TO TIME LIMIT ***`). */
  notice?: string;
  /** True when this runner cancelled it (the run was aborted). */
  cancelledByRunner: boolean;
  /** The job program's exit file, when it wrote one. */
  exit?: SlurmJobExit;
}

/** How a stage's Slurm job ended, in the local executor's terms plus Slurm's. */
export interface SlurmStageProcessResult extends StageProcessResult {
  /** What Slurm says. */
  slurm: SlurmJobEnd;
}

/** How often the job's output files are read while it runs. */
const TAIL_MS = 200;
/** How long to wait for a cancelled job to end before giving up on it. */
const CANCEL_WAIT_MS = 120_000;
/** How long scontrol may fail in a row before the run gives up on the job. */
const CONTROLLER_PATIENCE_MS = 120_000;
/** How long to look for the exit file once the job ended (a file server may show it late). */
const EXIT_FILE_WAIT_MS = 5_000;

/**
 * Submits the stage's job and waits for it.
 *
 * @throws {SlurmError} when Slurm refuses the job or cannot be reached.
 */
export async function runSlurmStageProcess(
  options: SlurmStageProcessOptions,
): Promise<SlurmStageProcessResult> {
  const { jobDir } = options;
  await cancelLeftover(jobDir);
  await removeTree(jobDir);
  await Deno.mkdir(jobDir, { recursive: true });
  const spec: SlurmJobSpec = {
    version: 1,
    job: options.job,
    sandbox: {
      permissions: options.sandbox.permissions,
      cwd: options.sandbox.cwd,
      configPath: options.sandbox.configPath,
      confine: options.sandbox.confine ?? "auto",
    },
    envNames: [...options.sandbox.envNames],
    ...(options.timeoutMs === undefined
      ? {}
      : { timeoutMs: options.timeoutMs }),
    ...(options.memoryBytes === undefined
      ? {}
      : { memoryBytes: options.memoryBytes }),
  };
  await Deno.writeTextFile(
    `${jobDir}/${JOB_FILES.spec}`,
    JSON.stringify(spec, null, 1),
    { mode: 0o444 },
  );
  const script = `${jobDir}/${JOB_FILES.script}`;
  await Deno.writeTextFile(
    script,
    batchScript([
      Deno.execPath(),
      "run",
      "--allow-all",
      "--no-prompt",
      `--config=${options.sandbox.configPath}`,
      "--cached-only",
      "--frozen",
      SLURM_JOB_PROGRAM,
      jobDir,
    ]),
    { mode: 0o555 },
  );
  const jobId = await submitJob(
    sbatchArgs(options.request, {
      jobName: options.jobName,
      cwd: options.sandbox.cwd,
      envNames: options.sandbox.envNames,
      slurmOutput: `${jobDir}/${JOB_FILES.slurmOutput}`,
    }),
    script,
  );
  await Deno.writeTextFile(`${jobDir}/${JOB_FILES.jobId}`, `${jobId}\n`);

  const output = await createStageOutput(options);
  const note = (text: string) => output.stderrLine(`[slurm] ${text}`);
  note(`job ${jobId} submitted`);
  const stdout = new FileTail(
    `${jobDir}/${JOB_FILES.stdout}`,
    lineSplitter(output.stdoutLine),
  );
  const stderr = new FileTail(
    `${jobDir}/${JOB_FILES.stderr}`,
    lineSplitter(output.stderrLine),
  );
  let cancelledByRunner = false;
  let cancelledAt: number | undefined;
  const cancel = () => {
    if (cancelledByRunner) return;
    cancelledByRunner = true;
    cancelledAt = performance.now();
    cancelJob(jobId).catch(() => {});
  };
  if (options.signal?.aborted) cancel();
  options.signal?.addEventListener("abort", cancel);
  try {
    let last: SlurmJobState | undefined = {
      jobId,
      state: "SUBMITTED",
      finished: false,
    };
    options.onState?.(last);
    const pollMs = options.pollMs ?? 1_000;
    let nextPoll = 0;
    let failedPolls = 0;
    while (true) {
      await Promise.all([stdout.read(), stderr.read()]);
      if (performance.now() >= nextPoll) {
        nextPoll = performance.now() + pollMs;
        let now: SlurmJobState | undefined;
        try {
          now = await jobState(jobId);
          failedPolls = 0;
        } catch (error) {
          // A controller that restarts or fails over is back within a minute or so.
          if (++failedPolls * pollMs > CONTROLLER_PATIENCE_MS) throw error;
          continue;
        }
        if (now === undefined) {
          // Slurm forgot the job (it ended longer ago than MinJobAge).
          last = {
            ...last,
            state: last.finished ? last.state : "UNKNOWN",
            finished: true,
          };
          break;
        }
        if (now.state !== last.state || now.node !== last.node) {
          note(
            `job ${jobId} ${now.state.toLowerCase()}${
              now.node ? ` on ${now.node}` : ""
            }${now.reason ? ` (${now.reason})` : ""}`,
          );
          options.onState?.(now);
        }
        last = now;
        if (now.finished) break;
      }
      if (
        cancelledAt !== undefined &&
        performance.now() - cancelledAt > CANCEL_WAIT_MS
      ) break;
      await new Promise((resolve) => setTimeout(resolve, TAIL_MS));
    }
    const exit = await readExit(jobDir, last.finished);
    await Promise.all([stdout.read(), stderr.read()]);
    stdout.end();
    stderr.end();
    const slurmOutput = await readSlurmOutput(
      `${jobDir}/${JOB_FILES.slurmOutput}`,
    );
    const notice = slurmNotice(slurmOutput);
    if (!exit) {
      // The job program itself failed (or never started): its own words are
      // in Slurm's output file.
      for (const line of slurmOutput.trim().split("\n").slice(-10)) {
        if (line) note(terminalSafe(line, 2_000));
      }
    } else if (notice) note(notice);
    const end: SlurmJobEnd = {
      jobId,
      state: last.state,
      ...(last.reason ? { reason: last.reason } : {}),
      ...(exit?.host ?? last.node ? { node: exit?.host ?? last.node } : {}),
      ...(notice ? { notice } : {}),
      cancelledByRunner,
      ...(exit ? { exit } : {}),
    };
    return {
      ...output.result,
      code: exit?.code ?? last.exitCode ?? 1,
      signal: exit?.signal ?? signalName(last.exitSignal),
      confinement: exit?.confinement ?? "none-needed",
      timedOut: (exit?.timedOut ?? false) || last.state === "TIMEOUT",
      outOfMemory: (exit?.outOfMemory ?? false) ||
        last.state === "OUT_OF_MEMORY",
      peakMemoryBytes: exit?.peakMemoryBytes ?? 0,
      slurm: end,
    };
  } finally {
    options.signal?.removeEventListener("abort", cancel);
    output.close();
  }
}

/**
 * Cancels the job a dead runner left running for this key (the caller
 * holds the key's lock, so no live run owns it), and waits for it to end:
 * it would otherwise go on writing into the staging directory.
 */
async function cancelLeftover(jobDir: string): Promise<void> {
  let jobId: string;
  try {
    jobId = (await Deno.readTextFile(`${jobDir}/${JOB_FILES.jobId}`)).trim();
  } catch {
    return;
  }
  if (!/^\d+$/.test(jobId)) return;
  const deadline = performance.now() + CANCEL_WAIT_MS;
  let cancelled = false;
  while (performance.now() < deadline) {
    const state = await jobState(jobId).catch(() => undefined);
    if (!state || state.finished) return;
    if (!cancelled) await cancelJob(jobId).catch(() => {});
    cancelled = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Reads the job's exit file, looking again for a while if the job ended and it is not there yet. */
async function readExit(
  jobDir: string,
  ended: boolean,
): Promise<SlurmJobExit | undefined> {
  const deadline = performance.now() + (ended ? EXIT_FILE_WAIT_MS : 0);
  while (true) {
    try {
      // Listing the folder makes an NFS client look again (no stale negative lookup).
      for await (const _ of Deno.readDir(jobDir)) { /* revalidate */ }
      return acceptJobExit(
        JSON.parse(await Deno.readTextFile(`${jobDir}/${JOB_FILES.exit}`)),
      );
    } catch {
      if (performance.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Slurm's output file of the job (the job program's own output and slurmstepd's notices). */
async function readSlurmOutput(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

/** slurmstepd's last `*** … ***` notice in the job's output, if any. */
function slurmNotice(text: string): string | undefined {
  const notices = [...text.matchAll(/\*\*\* (.+?) \*\*\*/g)].map((m) => m[1]);
  return notices.length > 0
    ? terminalSafe(notices[notices.length - 1], 300)
    : undefined;
}

function signalName(signal: number | undefined): Deno.Signal | null {
  const names: Record<number, Deno.Signal> = {
    1: "SIGHUP",
    2: "SIGINT",
    6: "SIGABRT",
    9: "SIGKILL",
    11: "SIGSEGV",
    15: "SIGTERM",
  };
  return signal ? names[signal] ?? null : null;
}
