/**
 * A stage host's output, read line by line wherever it comes from (the
 * child's pipes, or the files a cluster job wrote): event lines go through
 * the trust boundary ({@linkcode parseEvent}) and become callbacks; every
 * other line is the stage's own log, appended to its log file and kept as a
 * tail for error messages.
 *
 * @module
 */
import { MAX_EVENT_BYTES, parseEvent, terminalSafe } from "./child_output.ts";
import { EVENT_MARKER, type StageEvent } from "./stage_protocol.ts";

const TAIL_LINES = 30;
/** Most bytes of one child's output the log file keeps. */
const MAX_LOG_BYTES = 64 << 20;

/** What a stage host said, as far as it was read. */
export interface StageOutputResult {
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
}

/** Takes a stage host's output lines. */
export interface StageOutput {
  /** One line the child wrote to stdout (events and log text). */
  stdoutLine(line: string): void;
  /** One line the child wrote to stderr (log text only). */
  stderrLine(line: string): void;
  /** What was read so far. */
  readonly result: StageOutputResult;
  /** Closes the log file. */
  close(): void;
}

/** Options of {@linkcode createStageOutput}. */
export interface StageOutputOptions {
  /** Appends log lines here (a regular file the caller created). */
  logFile?: string;
  /** Called for each progress and log event. */
  onEvent?: (event: StageEvent) => void;
}

/** Opens the reader of one stage host's output. */
export async function createStageOutput(
  options: StageOutputOptions,
): Promise<StageOutput> {
  const log = options.logFile
    ? await Deno.open(options.logFile, { write: true, append: true })
    : undefined;
  let logBytes = 0;
  const encoder = new TextEncoder();
  const tail: string[] = [];
  const result: StageOutputResult = { tail };
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
  const stdoutLine = (line: string) => {
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
  let closed = false;
  return {
    stdoutLine,
    stderrLine: writeLog,
    result,
    close() {
      if (closed) return;
      closed = true;
      log?.close();
    },
  };
}

/** Splits chunks of bytes into lines; a line longer than the longest event is cut. */
export interface LineSplitter {
  /** Takes the next chunk. */
  push(chunk: Uint8Array): void;
  /** Ends the input: an unterminated last line is passed on. */
  end(): void;
}

/** A {@linkcode LineSplitter} that calls `onLine` for each line. */
export function lineSplitter(onLine: (line: string) => void): LineSplitter {
  const decoder = new TextDecoder();
  let pending = "";
  return {
    push(chunk) {
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
    },
    end() {
      pending += decoder.decode();
      if (pending) onLine(pending);
      pending = "";
    },
  };
}
