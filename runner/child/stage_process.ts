/**
 * Runs one job in a sandboxed stage host child: sends the job, turns the
 * child's event lines into callbacks, and writes everything else it prints
 * to a log file, keeping the tail for error messages.
 *
 * @module
 */
import type { StageEvent, StageJob } from "./stage_protocol.ts";
import {
  type Confinement,
  type SandboxOptions,
  spawnSandboxed,
} from "./sandbox.ts";
import {
  createStageOutput,
  lineSplitter,
  type StageOutputResult,
} from "./stage_output.ts";
import { superviseProcess } from "./supervise_process.ts";

/** The stage host script every child runs. */
export const STAGE_HOST = new URL("./_stage_host.ts", import.meta.url).pathname;

/** Options of {@linkcode runStageProcess}. */
export interface StageProcessOptions {
  /** What the child should do. */
  job: StageJob;
  /** How to sandbox it (the script is the stage host). */
  sandbox: Omit<SandboxOptions, "script">;
  /** Called for each progress and log event. */
  onEvent?: (event: StageEvent) => void;
  /** Appends the child's output and log events here (a regular file the caller created). */
  logFile?: string;
  /** Ends the child (its whole process tree) when aborted. */
  signal?: AbortSignal;
  /** Ends the child after this long: SIGTERM, then SIGKILL after a grace period. @default no limit */
  timeoutMs?: number;
  /** Ends the child (SIGKILL) when its process tree holds more resident memory. @default no limit */
  memoryBytes?: number;
}

/** How a stage child ended. */
export interface StageProcessResult extends StageOutputResult {
  /** Exit code. */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** How native code was confined. */
  confinement: Confinement;
  /** True when the time limit ended it. */
  timedOut: boolean;
  /** True when the memory limit ended it. */
  outOfMemory: boolean;
  /** The most resident memory its process tree held at one reading, in bytes. */
  peakMemoryBytes: number;
}

/** Spawns the stage host for `options.job` and waits for it. */
export async function runStageProcess(
  options: StageProcessOptions,
): Promise<StageProcessResult> {
  const { process, confinement } = spawnSandboxed({
    ...options.sandbox,
    script: STAGE_HOST,
  });
  const writer = process.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(`${JSON.stringify(options.job)}\n`),
  );
  // stdin stays open: the child exits when it sees EOF (this process died).
  const output = await createStageOutput(options);
  const stdout = lineSplitter(output.stdoutLine);
  const stderr = lineSplitter(output.stderrLine);
  try {
    const exit = await superviseProcess(process, {
      onStdout: (chunk) => stdout.push(chunk),
      onStderr: (chunk) => stderr.push(chunk),
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      memoryBytes: options.memoryBytes,
    });
    stdout.end();
    stderr.end();
    return {
      ...output.result,
      code: exit.status.code,
      signal: exit.status.signal,
      confinement,
      timedOut: exit.timedOut,
      outOfMemory: exit.outOfMemory,
      peakMemoryBytes: exit.peakMemoryBytes,
    };
  } finally {
    await writer.close().catch(() => {});
    output.close();
  }
}
