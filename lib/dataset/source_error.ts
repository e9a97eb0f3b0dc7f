/**
 * The error for a dataset source that cannot be used: a label map, a CSV, an
 * IDX file or a folder layout that is missing or malformed.
 *
 * @module
 */
import { HintedError } from "../hinted_error.ts";

/** A bad dataset source file, with the line (text) or byte offset (binary) when known. */
export class SourceError extends HintedError {
  override name = "SourceError";
  /** The file or folder. */
  readonly file: string;
  /** 1-based line of a text file, when known. */
  readonly line?: number;

  constructor(
    message: string,
    at: { file: string; line?: number },
    hint: string,
    options?: ErrorOptions,
  ) {
    super(`${at.file}${at.line ? `:${at.line}` : ""}: ${message}`, {
      hint,
      cause: options?.cause,
    });
    this.file = at.file;
    this.line = at.line;
  }
}
