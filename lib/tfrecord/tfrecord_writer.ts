/**
 * Writes TFRecord files: frames each record (length, data and their masked
 * CRC-32C) and buffers writes into large chunks.
 *
 * @module
 */
import { crc32c, maskCrc32c } from "./crc32c.ts";
import {
  framedSize,
  RECORD_FOOTER_BYTES,
  RECORD_HEADER_BYTES,
  writeRecordHeader,
} from "./frame_record.ts";

/** Where a written record landed. */
export interface WrittenRecord {
  /** Byte offset of the record's start in the file. */
  offset: number;
  /** Length of the record's data in bytes. */
  length: number;
}

/**
 * A TFRecord file being written. Create it with {@linkcode TfRecordWriter.create},
 * add records with `write`, and `close` it to flush.
 *
 * @example Write two records
 * ```ts
 * import { TfRecordWriter } from "./tfrecord_writer.ts";
 * const path = await Deno.makeTempFile({ suffix: ".tfrecords" });
 * const writer = await TfRecordWriter.create(path);
 * await writer.write(new TextEncoder().encode("first"));
 * await writer.write(new TextEncoder().encode("second"));
 * await writer.close();
 * await Deno.remove(path);
 * ```
 */
export class TfRecordWriter {
  #file: Deno.FsFile;
  #buf: Uint8Array;
  #used = 0;
  #offset = 0;
  #records = 0;

  private constructor(file: Deno.FsFile, chunkBytes: number) {
    this.#file = file;
    this.#buf = new Uint8Array(chunkBytes);
  }

  /** Creates (or truncates) `path` for writing. */
  static async create(
    path: string,
    options: { chunkBytes?: number } = {},
  ): Promise<TfRecordWriter> {
    const file = await Deno.open(path, {
      write: true,
      create: true,
      truncate: true,
    });
    return new TfRecordWriter(file, options.chunkBytes ?? 1 << 20);
  }

  /** Bytes written so far (including buffered ones). */
  get sizeBytes(): number {
    return this.#offset;
  }

  /** Records written so far. */
  get records(): number {
    return this.#records;
  }

  /** Appends one record. */
  async write(data: Uint8Array): Promise<WrittenRecord> {
    const total = framedSize(data.length);
    if (this.#used + total > this.#buf.length) await this.#flush();
    const offset = this.#offset;
    if (total > this.#buf.length) {
      // Larger than a chunk: write it on its own.
      const header = new Uint8Array(RECORD_HEADER_BYTES);
      writeRecordHeader(header, 0, data.length);
      await this.#writeAll(header);
      await this.#writeAll(data);
      await this.#writeAll(footer(data));
    } else {
      const buf = this.#buf;
      writeRecordHeader(buf, this.#used, data.length);
      buf.set(data, this.#used + RECORD_HEADER_BYTES);
      buf.set(footer(data), this.#used + RECORD_HEADER_BYTES + data.length);
      this.#used += total;
    }
    this.#offset += total;
    this.#records++;
    return { offset, length: data.length };
  }

  /** Flushes buffered records and closes the file. */
  async close(): Promise<void> {
    try {
      await this.#flush();
    } finally {
      this.#file.close();
    }
  }

  async #flush(): Promise<void> {
    if (this.#used === 0) return;
    await this.#writeAll(this.#buf.subarray(0, this.#used));
    this.#used = 0;
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      done += await this.#file.write(bytes.subarray(done));
    }
  }
}

function footer(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_FOOTER_BYTES);
  new DataView(out.buffer).setUint32(0, maskCrc32c(crc32c(data)), true);
  return out;
}
