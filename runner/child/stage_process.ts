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
import { MAX_EVENT_BYTES, parseEvent, terminalSafe } from "./child_output.ts";
import { processTree, residentBytes, signalTree } from "./process_tree.ts";

/** The stage host script every child runs. */
export const STAGE_HOST = new URL("./_stage_host.ts", import.meta.url).pathname;

const TAIL_LINES = 30;
/** How long a child may take to end after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** How often the memory of a child's process tree is read. */
const MEMORY_POLL_MS = 200;
/** Most bytes of one child's output the log file keeps. */
const MAX_LOG_BYTES = 64 << 20;

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
  /** What the child did against the protocol (a second done or result event), if anything. */
  protocolError?: string;
  /** The last lines of output (control characters removed), for error messages. */
  tail: string[];
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

  const log = options.logFile
    ? await Deno.open(options.logFile, { write: true, append: true })
    : undefined;
  let logBytes = 0;
  const encoder = new TextEncoder();
  const tail: string[] = [];
  const result: Pick<
    StageProcessResult,
    "result" | "done" | "error" | "protocolError" | "tail"
  > = { tail };
  const writeLog = (line: string) => {
    tail.push(terminalSafe(line, 2_000));
    if (tail.length > TAIL_LINES) tail.shift();
    if (!log || logBytes > MAX_LOG_BYTES) return;
    const bytes = encoder.encode(
      logBytes + line.length > MAX_LOG_BYTES
        ? "[log truncated: the stage wrote more than 64 MiB]\n"
        : `${line}\n`,
    );
    logBytes += bytes.length;
    log.writeSync(bytes);
  };
  const onLine = (line: string) => {
    const event = line.startsWith(EVENT_MARKER)
      ? parseEvent(line.slice(EVENT_MARKER.length))
      : undefined;
    if (!event) {
      writeLog(line);
      return;
    }
    switch (event.t) {
      case "result":
      case "done":
        if (result.result !== undefined || result.done !== undefined) {
          result.protocolError ??= `it sent a second "${event.t}" event`;
        } else if (event.t === "result") result.result = event.value;
        else result.done = event;
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
  let outOfMemory = false;
  let peakMemoryBytes = 0;
  let exited = false;
  const end = (signal: Deno.Signal) => {
    if (!exited) signalTree(process.pid, signal);
  };
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const terminate = () => {
    end("SIGTERM");
    killTimer ??= setTimeout(() => end("SIGKILL"), KILL_GRACE_MS);
  };
  const timer = options.timeoutMs !== undefined
    ? setTimeout(() => {
      timedOut = true;
      terminate();
    }, options.timeoutMs)
    : undefined;
  const watch = setInterval(() => {
    const bytes = residentBytes(processTree(process.pid));
    peakMemoryBytes = Math.max(peakMemoryBytes, bytes);
    if (options.memoryBytes !== undefined && bytes > options.memoryBytes) {
      outOfMemory = true;
      end("SIGKILL");
    }
  }, MEMORY_POLL_MS);
  options.signal?.addEventListener("abort", terminate);
  try {
    await Promise.all([
      readLines(process.stdout, onLine),
      readLines(process.stderr, writeLog),
    ]);
    const status = await process.status;
    exited = true;
    // Whatever the child left behind (a forked helper of native code) ends with it.
    signalTree(process.pid, "SIGKILL");
    return {
      ...result,
      code: status.code,
      signal: status.signal,
      confinement,
      timedOut,
      outOfMemory,
      peakMemoryBytes,
    };
  } finally {
    exited = true;
    clearTimeout(timer);
    clearTimeout(killTimer);
    clearInterval(watch);
    options.signal?.removeEventListener("abort", terminate);
    await writer.close().catch(() => {});
    log?.close();
  }
}

/** Splits a stream into lines; a line longer than the longest event is cut. */
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
    if (pending.length > MAX_EVENT_BYTES) {
      onLine(`${pending.slice(0, 2_000)}… [line cut]`);
      pending = "";
    }
  }
  pending += decoder.decode();
  if (pending) onLine(pending);
}
