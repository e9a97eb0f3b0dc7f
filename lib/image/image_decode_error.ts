/**
 * The error for an image that sharp cannot decode or crop.
 *
 * @module
 */
import { HintedError } from "../hinted_error.ts";
import type { RecordSource } from "./record_source.ts";

/** An undecodable image, with the file and record it came from. */
export class ImageDecodeError extends HintedError {
  override name = "ImageDecodeError";
  /** The source file of the record (see `recordSource`). */
  readonly file: string;
  /** The record's index in that file, or −1. */
  readonly record: number;
  /** The record's byte offset in that file. */
  readonly offset: number;
  /** The problem without the location prefix. */
  readonly reason: string;

  constructor(
    reason: string,
    at: RecordSource,
    hint: string,
    options?: ErrorOptions,
  ) {
    const id = at.id ? ` (image "${at.id}")` : "";
    super(
      `${at.file}: record ${at.record} at byte ${at.offset}${id}: ${reason}`,
      {
        hint,
        cause: options?.cause,
      },
    );
    this.file = at.file;
    this.record = at.record;
    this.offset = at.offset;
    this.reason = `${reason}${id}`;
  }
}
