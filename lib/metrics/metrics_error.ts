/** Where in the inputs of a metric a problem was found. */
import { HintedError } from "../hinted_error.ts";
export interface MetricsLocation {
  /** The input that holds the bad value (`"scores"`, `"truth"`, …). */
  input: string;
  /** The query (row) index, when the problem is in one query. */
  query?: number;
  /** The class (column) index, when the problem is in one score. */
  class?: number;
}

/**
 * Bad input to a metric: a shape mismatch, a label out of range, a NaN
 * score. Carries where the problem is and a hint.
 */
export class MetricsError extends HintedError {
  override name = "MetricsError";
  /**
   * @param message "Cannot <action> <thing>: <current state>"
   * @param at the input (and query/class) that holds the bad value
   * @param hint what to do about it
   */
  constructor(
    message: string,
    readonly at: MetricsLocation,
    hint?: string,
  ) {
    super(message, { hint });
  }
}
