/**
 * A stage failed: which one, how it exited, the end of its log, and what to
 * do. Permission denials name the path and the pipeline key to declare it;
 * out-of-memory deaths say what to shrink.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";
import { formatSize } from "../resources.ts";
import { formatDuration } from "./format_duration.ts";

/** A stage did not produce its output. */
export class StageFailedError extends HintedError {
  override name = "StageFailedError";
  constructor(
    readonly stage: string,
    message: string,
    readonly options: {
      /** Exit code of the stage process (null when it never started). */
      exitCode: number | null;
      /** The last lines of its log. */
      logTail: readonly string[];
      /** Where the full log is. */
      logFile?: string;
      /** What to do. */
      hint?: string;
      /** The lower error. */
      cause?: unknown;
    },
  ) {
    super(message, { hint: options.hint, cause: options.cause });
  }
}

/** Reads a stage's failure output and explains it. */
export function explainStageFailure(
  stage: string,
  exit: {
    code: number;
    signal: Deno.Signal | null;
    errorMessage?: string;
    tail: readonly string[];
    /** The limit the runner ended it at, if it did. */
    limit?: { kind: "memory"; bytes: number } | { kind: "time"; ms: number };
    /** What it did against the stage protocol, if anything. */
    protocolError?: string;
  },
  yamlKey: (field: string) => string,
): { message: string; hint?: string } {
  if (exit.limit?.kind === "memory") {
    return {
      message: `Stage "${stage}" ran out of its ${
        formatSize(exit.limit.bytes)
      } memory limit and was ended`,
      hint: `raise ${
        yamlKey("resources.memory")
      }, or lower its batch or image size; training resumes from its last finished epoch`,
    };
  }
  if (exit.limit?.kind === "time") {
    return {
      message: `Stage "${stage}" ran past its time limit of ${
        formatDuration(exit.limit.ms)
      } and was ended`,
      hint: `raise ${
        yamlKey("resources.time")
      }; training resumes from its last finished epoch`,
    };
  }
  if (exit.protocolError) {
    return {
      message:
        `Stage "${stage}" broke the stage protocol: ${exit.protocolError}`,
      hint:
        "a stage reports through ctx (progress, log, its return value) only",
    };
  }
  const text = [exit.errorMessage ?? "", ...exit.tail].join("\n");
  if (
    /Requires (env|run) access/.test(text) &&
    /child_process|Deno\.Command|spawn/.test(text)
  ) {
    return {
      message: `Stage "${stage}" tried to start a process`,
      hint:
        "stages may not start processes (node:child_process, Deno.Command); do the work in the stage's own code or a library it imports",
    };
  }
  const denied = text.match(
    /Requires (read|write|env|net|ffi|sys|run|import) access to "?([^",\n]+?)"?(,| run again|$)/m,
  );
  if (denied) {
    const [, kind, target] = denied;
    if (kind === "write") {
      return {
        message:
          `Stage "${stage}" tried to write "${target}", outside its output directory`,
        hint:
          `a stage writes only into ctx.outDir; if it must write "${target}", declare it under ${
            yamlKey("permissions.write")
          }`,
      };
    }
    if (kind === "run") {
      return {
        message: `Stage "${stage}" tried to run a subprocess ("${target}")`,
        hint: "stages may not start processes",
      };
    }
    if (kind === "ffi") {
      return {
        message:
          `Stage "${stage}" was denied loading native code from "${target}"`,
        hint:
          `if the stage needs native code, declare its npm package (a package name such as "@img/sharp-linux-x64") or, for a system library, its absolute path under /usr/lib or /lib (such as "/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0", granted where it is installed) under ${
            yamlKey("permissions.ffi")
          }`,
      };
    }
    const field = kind === "import" ? "net" : kind;
    return {
      message: `Stage "${stage}" was denied ${kind} access to "${target}"`,
      hint: `if the stage needs it, declare it under ${
        yamlKey(`permissions.${field}`)
      }`,
    };
  }
  if (/Read-only file system|os error 30/.test(text)) {
    const path = text.match(/(\/[^\s:'"]+): unable to open for write/)?.[1] ??
      text.match(/(?:write\w*|open|create)\w* ['"]([^'"]+)['"]/i)?.[1];
    return {
      message: `Stage "${stage}" tried to write${
        path ? ` "${path}"` : ""
      } outside its output directory (blocked by the sandbox)`,
      hint:
        `a stage writes only into ctx.outDir; declare other writable paths under ${
          yamlKey("permissions.write")
        }`,
    };
  }
  const outOfMemory =
    /heap out of memory|Allocation failed|Maximum memory size exceeded|Aborted\(OOM\)|Out of memory|heap \(\d+ GB\) ran out/i
      .test(text);
  if (outOfMemory || exit.signal === "SIGKILL") {
    return {
      message: outOfMemory
        ? `Stage "${stage}" ran out of memory`
        : `Stage "${stage}" was killed by SIGKILL (usually the kernel's out-of-memory killer)`,
      hint: `lower ${
        yamlKey("with.batch_size")
      } (or the image size) and run again; training resumes from its last finished epoch`,
    };
  }
  if (exit.errorMessage) {
    return { message: `Stage "${stage}" failed: ${exit.errorMessage}` };
  }
  return {
    message: `Stage "${stage}" exited with ${
      exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`
    }`,
  };
}
