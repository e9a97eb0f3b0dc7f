/**
 * The typed error for model, checkpoint and weight files that cannot be read
 * or do not fit the model.
 *
 * @module
 */
import { HintedError } from "../../hinted_error.ts";

/** A model/weights file is missing, malformed, or does not match the model. */
export class ModelFileError extends HintedError {
  override name = "ModelFileError";

  /**
   * @param message "Cannot <action> <thing>: <state>"
   * @param file the file (or directory) concerned
   * @param hint what to do about it
   */
  constructor(
    message: string,
    readonly file: string,
    hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, { hint, cause: options?.cause });
  }
}
