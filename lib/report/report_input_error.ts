/** An upstream artifact file the report needs is unreadable or has the wrong shape. */
import { HintedError } from "../hinted_error.ts";
export class ReportInputError extends HintedError {
  override name = "ReportInputError";
  /**
   * @param message "Cannot <action> <thing>: <current state>"
   * @param file the artifact file, as `<input>/<path>`
   * @param field the JSON path of the bad value, when there is one
   * @param hint what to do about it
   */
  constructor(
    message: string,
    readonly file: string,
    readonly field?: string,
    hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, { hint, cause: options?.cause });
  }
}
