/**
 * The error thrown for a TFRecord file that cannot be read: bad framing, a
 * CRC mismatch, a truncated record or an unparsable `tf.train.Example`.
 *
 * @module
 */
import { HintedError } from "../hinted_error.ts";

/** Where in a TFRecord file a problem is. */
export interface RecordLocation {
  /** The file (as given to the reader). */
  file: string;
  /** The byte offset of the record's start (its length field). */
  offset: number;
  /** The record's 0-based index in the file (counted from where reading began), or -1 when unknown. */
  record: number;
}

/**
 * A TFRecord framing, CRC or parse error. The message names the file, the
 * byte offset and the record index; `hint` says what to do about it.
 */
export class RecordError extends HintedError {
  override name = "RecordError";
  /** The file. */
  readonly file: string;
  /** Byte offset of the bad record's start. */
  readonly offset: number;
  /** Index of the bad record. */
  readonly record: number;
  /** The problem without the location prefix. */
  readonly reason: string;
  /**
   * Where the next record starts when the framing is intact (a bad data CRC
   * or an unparsable payload), so a reader may skip this one and go on;
   * undefined when the rest of the file cannot be framed.
   */
  readonly resumeAt?: number;

  constructor(
    reason: string,
    at: RecordLocation & { resumeAt?: number },
    hint: string,
    options?: ErrorOptions,
  ) {
    const record = at.record >= 0 ? `record ${at.record} at ` : "";
    super(`${at.file}: ${record}byte ${at.offset}: ${reason}`, {
      hint,
      cause: options?.cause,
    });
    this.file = at.file;
    this.offset = at.offset;
    this.record = at.record;
    this.reason = reason;
    this.resumeAt = at.resumeAt;
  }
}
