/**
 * A stage failed: which one, how it exited, the end of its log, and what to
 * do. Permission denials name the path and the pipeline key to declare it;
 * out-of-memory deaths say what to shrink.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";

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
  },
  yamlKey: (field: string) => string,
): { message: string; hint?: string } {
  const text = [exit.errorMessage ?? "", ...exit.tail].join("\n");
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
