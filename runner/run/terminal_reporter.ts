/**
 * Shows a run in the terminal: on a TTY, a live block with one line per stage
 * (queued, running with elapsed time and the stage's own progress, cached,
 * done, failed), redrawn in place; elsewhere, plain lines as things happen,
 * with progress at most every few seconds per stage.
 *
 * @module
 */
import { formatDuration } from "./format_duration.ts";
import { formatSize } from "../resources.ts";
import type {
  RunReporter,
  StageOutcome,
  StageProgressEvent,
} from "./run_reporter.ts";
import { formatReason, type StaleReason } from "../cache/stale_reasons.ts";
import type { RunWhere } from "../cache/run_record.ts";

/** Options of {@linkcode createTerminalReporter}. */
export interface TerminalReporterOptions {
  /** Where to write. @default Deno.stdout */
  output?: { writeSync(p: Uint8Array): number };
  /** Redraw in place (a TTY) or print plain lines. @default Deno.stdout.isTerminal() */
  live?: boolean;
  /** Seconds between plain progress lines of one stage. @default 10 */
  plainProgressSeconds?: number;
}

interface Line {
  state: "queued" | "running" | "waiting" | StageOutcome["state"];
  startedAt?: number;
  progress?: StageProgressEvent;
  detail?: string;
  lastPlainProgress?: number;
}

const SYMBOLS: Record<Line["state"], string> = {
  queued: "·",
  running: "▶",
  waiting: "…",
  cached: "=",
  ran: "✓",
  failed: "✗",
  blocked: "⊘",
  skipped: " ",
  "would-run": "○",
};

/** A reporter that draws on the terminal; call `close()` when the run ends. */
export function createTerminalReporter(
  options: TerminalReporterOptions = {},
): RunReporter & { close(): void } {
  const output = options.output ?? Deno.stdout;
  const live = options.live ?? Deno.stdout.isTerminal();
  const plainEvery = (options.plainProgressSeconds ?? 10) * 1000;
  const encoder = new TextEncoder();
  const write = (text: string) => {
    const bytes = encoder.encode(text);
    let done = 0;
    while (done < bytes.length) done += output.writeSync(bytes.subarray(done));
  };
  const lines = new Map<string, Line>();
  let width = 0;
  let drawn = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const render = (name: string, line: Line): string => {
    const elapsed = line.startedAt !== undefined
      ? ` ${formatDuration(performance.now() - line.startedAt)}`
      : "";
    let text = `${SYMBOLS[line.state]} ${name.padEnd(width)}  ${line.state}${
      line.state === "running" ? elapsed : ""
    }`;
    const p = line.progress;
    if (line.state === "running" && p) {
      const count = p.total
        ? `${p.done}/${p.total}`
        : p.done > 0
        ? `${p.done}`
        : "";
      text += `  ${p.label}${count ? ` ${count}` : ""}${
        p.message ? `  ${p.message}` : ""
      }`;
    } else if (line.detail) {
      text += `  ${line.detail}`;
    }
    const columns = live ? terminalColumns() : Infinity;
    return text.length > columns ? `${text.slice(0, columns - 1)}…` : text;
  };
  const redraw = () => {
    if (!live) return;
    let text = drawn > 0 ? `\x1b[${drawn}A` : "";
    for (const [name, line] of lines) {
      text += `\r\x1b[2K${render(name, line)}\n`;
    }
    write(text);
    drawn = lines.size;
  };
  const printAbove = (message: string) => {
    if (live) {
      write(`${drawn > 0 ? `\x1b[${drawn}A` : ""}\r\x1b[J${message}\n`);
      drawn = 0;
      redraw();
    } else {
      write(`${message}\n`);
    }
  };
  const update = (name: string, change: Partial<Line>) => {
    const line = {
      ...(lines.get(name) ?? { state: "queued" as const }),
      ...change,
    };
    lines.set(name, line);
    if (live) redraw();
    else if (change.state && change.state !== "queued") {
      write(`${render(name, line)}\n`);
    }
  };

  return {
    planned(stages) {
      width = Math.max(...stages.map((s) => s.length), 5);
      for (const stage of stages) lines.set(stage, { state: "queued" });
      if (live) {
        redraw();
        timer = setInterval(redraw, 1000);
      }
    },
    stageStarted(stage, info) {
      // A resumed stage never finished with this configuration by definition.
      const why = info.reasons
        .filter((r) => !(info.resuming && r.kind === "new"))
        .map(formatReason).join("; ");
      update(stage, {
        state: "running",
        startedAt: performance.now(),
        detail: undefined,
      });
      if (why || info.resuming) {
        printAbove(
          `  ${stage}: ${
            info.resuming
              ? `resuming its interrupted run from the checkpoint${
                why ? "; " : ""
              }`
              : ""
          }${why}`,
        );
      }
    },
    stageWaiting(stage, holderPid, holderHost) {
      const holder = [
        ...(holderPid ? [`pid ${holderPid}`] : []),
        ...(holderHost && holderHost !== Deno.hostname()
          ? [`on ${holderHost}`]
          : []),
      ].join(" ");
      update(stage, {
        state: "waiting",
        detail: `another run${
          holder ? ` (${holder})` : ""
        } is running this stage`,
      });
    },
    stageProgress(stage, event) {
      const line = lines.get(stage);
      if (!line) return;
      line.progress = event;
      if (!live) {
        const now = performance.now();
        if (
          line.lastPlainProgress === undefined ||
          now - line.lastPlainProgress >= plainEvery
        ) {
          line.lastPlainProgress = now;
          write(`${render(stage, line)}\n`);
        }
      }
    },
    stageLog(stage, level, message) {
      printAbove(
        `  ${stage}: ${level === "warn" ? "warning: " : ""}${message}`,
      );
    },
    stageFinished(stage, outcome) {
      const line = lines.get(stage);
      const detail = outcome.state === "ran"
        ? [
          formatDuration(outcome.durationMs),
          ...(outcome.where?.executor === "slurm"
            ? [formatWhere(outcome.where)]
            : []),
          ...(outcome.output
            ? [
              `${outcome.output.files} files, ${
                formatSize(outcome.output.bytes)
              }`,
            ]
            : []),
          ...(outcome.peakMemoryBytes
            ? [`${formatSize(outcome.peakMemoryBytes)} peak memory`]
            : []),
        ].join(" · ")
        : outcome.state === "cached"
        ? (outcome.source === "remote"
          ? "pulled from the remote cache"
          : undefined)
        : outcome.state === "blocked"
        ? `needs "${outcome.by}", which did not finish`
        : outcome.state === "failed"
        ? outcome.error.message
        : outcome.state === "would-run"
        ? (outcome.blockers.length > 0
          ? "but cannot run here (see below)"
          : outcome.reasons.map((r: StaleReason) => formatReason(r)).join("; "))
        : undefined;
      update(stage, {
        state: outcome.state,
        detail,
        startedAt: line?.startedAt,
        progress: undefined,
      });
    },
    warn(message) {
      printAbove(`warning: ${message}`);
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      redraw();
    },
  };
}

/** Where a stage ran, in a few words: `slurm job 12 on node1`, `on node1`. */
export function formatWhere(where: RunWhere): string {
  return where.executor === "slurm"
    ? `slurm job ${where.jobId ?? "?"} on ${where.host}`
    : `on ${where.host}`;
}

/** The terminal's width; a size a pseudo-terminal leaves unset (0) means "do not cut lines". */
function terminalColumns(): number {
  try {
    const { columns } = Deno.consoleSize();
    return columns >= 40 ? columns : Infinity;
  } catch {
    return 120;
  }
}
