/**
 * The typed error for model, checkpoint and weight files that cannot be read
 * or do not fit the model.
 *
 * @module
 */

/** A model/weights file is missing, malformed, or does not match the model. */
export class ModelFileError extends Error {
  override name = "ModelFileError";

  /**
   * @param message "Cannot <action> <thing>: <state>"
   * @param file the file (or directory) concerned
   * @param hint what to do about it
   */
  constructor(
    message: string,
    readonly file: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(hint ? `${message} (${hint})` : message, options);
  }
}
