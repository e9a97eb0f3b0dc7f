/**
 * Random access to the records of a TFRecord file whose offsets are known
 * (from an index): one positioned read per record.
 *
 * @module
 */
import { crc32c, maskCrc32c } from "./crc32c.ts";
import { framedSize, RECORD_HEADER_BYTES } from "./frame_record.ts";
import { RecordError } from "./record_error.ts";

/** Options of {@linkcode TfRecordFile.read}. */
export interface ReadRecordOptions {
  /** The record's index, for error messages. @default -1 */
  record?: number;
  /** Check the length and data CRCs. @default true */
  checkCrc?: boolean;
}

/**
 * An open TFRecord file read at known offsets. Reads are serialised on the
 * one handle (seek + read), so concurrent callers are safe.
 *
 * @example Read the record at offset 0
 * ```ts
 * import { TfRecordFile } from "./tfrecord_file.ts";
 * import { frameRecord } from "./frame_record.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeFile(path, frameRecord(new Uint8Array([7, 8, 9])));
 * using file = await TfRecordFile.open(path);
 * const data = await file.read(0, 3);
 * if (data[2] !== 9) throw new Error("wrong data");
 * await Deno.remove(path);
 * ```
 */
export class TfRecordFile implements Disposable {
  readonly path: string;
  #file: Deno.FsFile;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /** Opens `path` for reading. */
  static async open(path: string): Promise<TfRecordFile> {
    return new TfRecordFile(path, await Deno.open(path, { read: true }));
  }

  /**
   * Reads the data of the record that starts at `offset` and holds `length`
   * data bytes.
   *
   * @throws {RecordError} on a short read or (with checkCrc) a CRC mismatch
   */
  read(
    offset: number,
    length: number,
    options: ReadRecordOptions = {},
  ): Promise<Uint8Array> {
    const next = this.#queue.then(() => this.#read(offset, length, options));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #read(
    offset: number,
    length: number,
    options: ReadRecordOptions,
  ): Promise<Uint8Array> {
    const at = { file: this.path, offset, record: options.record ?? -1 };
    const frame = new Uint8Array(framedSize(length));
    await this.#file.seek(offset, Deno.SeekMode.Start);
    let got = 0;
    while (got < frame.length) {
      const n = await this.#file.read(frame.subarray(got));
      if (n === null) {
        throw new RecordError(
          `Cannot read record: the file ends after ${got} of ${frame.length} bytes`,
          at,
          "The file is shorter than its index says; re-run the ingest stage",
        );
      }
      got += n;
    }
    const view = new DataView(frame.buffer);
    const data = frame.subarray(
      RECORD_HEADER_BYTES,
      RECORD_HEADER_BYTES + length,
    );
    if (view.getBigUint64(0, true) !== BigInt(length)) {
      throw new RecordError(
        `Cannot read record: its length field says ${
          view.getBigUint64(0, true)
        } bytes, the index says ${length}`,
        at,
        "The file does not match its index; re-run the ingest stage",
      );
    }
    if (options.checkCrc ?? true) {
      const lengthOk = view.getUint32(8, true) ===
        maskCrc32c(crc32c(frame.subarray(0, 8)));
      const dataOk = view.getUint32(RECORD_HEADER_BYTES + length, true) ===
        maskCrc32c(crc32c(data));
      if (!lengthOk || !dataOk) {
        throw new RecordError(
          `Cannot read record: ${lengthOk ? "data" : "length"} CRC mismatch`,
          at,
          "The file is damaged; re-create it or re-run the ingest stage",
        );
      }
    }
    return data;
  }

  /** Closes the file now; reads still queued fail. */
  close(): void {
    this.#file.close();
  }

  /** Closes the file once the reads already queued have finished. */
  async closeWhenIdle(): Promise<void> {
    await this.#queue;
    this.#file.close();
  }

  /** Closes the file (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}
