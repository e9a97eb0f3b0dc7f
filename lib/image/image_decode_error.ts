/**
 * The error for an image that sharp cannot decode or crop.
 *
 * @module
 */
import { HintedError } from "../hinted_error.ts";

/** An undecodable image, with the file and record it came from. */
export class ImageDecodeError extends HintedError {
  override name = "ImageDecodeError";
  /** The shard (or image file). */
  readonly file: string;
  /** The record id (index position) or −1. */
  readonly record: number;

  constructor(
    message: string,
    at: { file: string; record: number },
    hint: string,
    options?: ErrorOptions,
  ) {
    super(`${at.file}: record ${at.record}: ${message}`, {
      hint,
      cause: options?.cause,
    });
    this.file = at.file;
    this.record = at.record;
  }
}
