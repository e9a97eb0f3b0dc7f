/**
 * The one shape of every error this project raises on purpose: a message in
 * the "Cannot <action> <thing>: <state>" style, a hint saying what to do, and
 * the lower error as `cause`. Each typed error (a bad pipeline file, a
 * corrupt TFRecord, an image that does not decode, …) extends it and adds
 * where the problem is. The command line prints every one of them the same
 * way ({@linkcode formatError}), without a stack trace.
 *
 * @module
 */

/** Options of {@linkcode HintedError}. */
export interface HintedErrorOptions {
  /** What to do about it. */
  hint?: string;
  /** The lower error. */
  cause?: unknown;
}

/** An expected failure, with a hint on what to do. */
export class HintedError extends Error {
  override name = "HintedError";
  /** What to do about it, when there is something to say. */
  readonly hint?: string;

  constructor(message: string, options: HintedErrorOptions = {}) {
    super(
      message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.hint = options.hint;
  }
}

/**
 * How an error reads on the terminal: a {@linkcode HintedError}'s message and
 * hint, or any other error's stack (it is a bug, and the stack finds it).
 */
export function formatError(error: unknown): string {
  if (error instanceof HintedError) {
    return error.hint
      ? `${error.message}\n  hint: ${error.hint}`
      : error.message;
  }
  return error instanceof Error
    ? error.stack ?? `${error.name}: ${error.message}`
    : String(error);
}
