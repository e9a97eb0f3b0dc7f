/**
 * Runs one job in a sandboxed stage host child: sends the job, turns the
 * child's event lines into callbacks, and writes everything else it prints
 * to a log file, keeping the tail for error messages.
 *
 * @module
 */
import {
  EVENT_MARKER,
  type StageEvent,
  type StageJob,
} from "./stage_protocol.ts";
import {
  type Confinement,
  type SandboxOptions,
  spawnSandboxed,
} from "./sandbox.ts";

/** The stage host script every child runs. */
export const STAGE_HOST = new URL("./_stage_host.ts", import.meta.url).pathname;

const TAIL_LINES = 30;

/** Options of {@linkcode runStageProcess}. */
export interface StageProcessOptions {
  /** What the child should do. */
  job: StageJob;
  /** How to sandbox it (the script is the stage host). */
  sandbox: Omit<SandboxOptions, "script">;
  /** Called for each progress and log event. */
  onEvent?: (event: StageEvent) => void;
  /** Appends the child's output and log events here. */
  logFile?: string;
  /** Kills the child when aborted. */
  signal?: AbortSignal;
  /** Kills the child after this long. @default no limit */
  timeoutMs?: number;
}

/** How a stage child ended. */
export interface StageProcessResult {
  /** Exit code. */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** The `result` event's value (describe and facts jobs). */
  result?: unknown;
  /** The `done` event (run jobs). */
  done?: Extract<StageEvent, { t: "done" }>;
  /** The `error` event, when the stage threw. */
  error?: Extract<StageEvent, { t: "error" }>;
  /** The last lines of output, for error messages. */
  tail: string[];
  /** How native code was confined. */
  confinement: Confinement;
  /** True when the timeout killed it. */
  timedOut: boolean;
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

  const log = options.logFile
    ? await Deno.open(options.logFile, { create: true, append: true })
    : undefined;
  const encoder = new TextEncoder();
  const tail: string[] = [];
  const result: Omit<
    StageProcessResult,
    "code" | "signal" | "confinement" | "timedOut"
  > = { tail };
  const writeLog = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    log?.writeSync(encoder.encode(`${line}\n`));
  };
  const onLine = (line: string) => {
    if (!line.startsWith(EVENT_MARKER)) {
      writeLog(line);
      return;
    }
    let event: StageEvent;
    try {
      event = JSON.parse(line.slice(EVENT_MARKER.length));
    } catch {
      writeLog(line);
      return;
    }
    switch (event.t) {
      case "result":
        result.result = event.value;
        break;
      case "done":
        result.done = event;
        break;
      case "error":
        result.error = event;
        writeLog(
          `error: ${event.message}${event.hint ? `\nhint: ${event.hint}` : ""}`,
        );
        break;
      case "log":
        writeLog(
          event.level === "warn" ? `warning: ${event.message}` : event.message,
        );
        options.onEvent?.(event);
        break;
      case "progress":
        options.onEvent?.(event);
        break;
    }
  };

  let timedOut = false;
  const kill = () => {
    try {
      process.kill("SIGTERM");
    } catch { /* already gone */ }
  };
  const timer = options.timeoutMs !== undefined
    ? setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs)
    : undefined;
  options.signal?.addEventListener("abort", kill);
  try {
    await Promise.all([
      readLines(process.stdout, onLine),
      readLines(process.stderr, writeLog),
    ]);
    const status = await process.status;
    return {
      ...result,
      code: status.code,
      signal: status.signal,
      confinement,
      timedOut,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", kill);
    await writer.close().catch(() => {});
    log?.close();
  }
}

async function readLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  }
  pending += decoder.decode();
  if (pending) onLine(pending);
}
