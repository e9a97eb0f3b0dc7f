/**
 * Errors in pipeline.yaml: every problem names `file:line:column`, what is
 * wrong, and a hint. All problems found in one pass are reported together.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";

/** A position in a source file (1-based line and column). */
export interface SourceSpan {
  /** The file, as the user named it. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** One problem in the pipeline file. */
export interface ConfigProblem {
  /** Where it is. */
  at: SourceSpan;
  /** What is wrong ("Cannot …" style). */
  message: string;
  /** What to do about it. */
  hint?: string;
}

/**
 * The pipeline file is invalid; `problems` lists every problem found. The
 * message holds them all, each with its own hint.
 */
export class ConfigError extends HintedError {
  override name = "ConfigError";
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const sorted = [...problems].sort((a, b) =>
      a.at.line - b.at.line || a.at.column - b.at.column
    );
    super(sorted.map(formatProblem).join("\n"));
    this.problems = sorted;
  }

  /** The first problem's location. */
  get at(): SourceSpan {
    return this.problems[0].at;
  }
}

/** `file:line:col: message` plus an indented hint line. */
export function formatProblem(problem: ConfigProblem): string {
  const { file, line, column } = problem.at;
  const hint = problem.hint ? `\n  hint: ${problem.hint}` : "";
  return `${file}:${line}:${column}: ${problem.message}${hint}`;
}
