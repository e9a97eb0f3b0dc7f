/**
 * A streaming TFRecord reader: it reads a file in fixed-size chunks (never
 * the whole shard), checks both CRCs of every record, and can start at any
 * record's byte offset.
 *
 * @module
 */
import { crc32c, maskCrc32c } from "./crc32c.ts";
import { RECORD_FOOTER_BYTES, RECORD_HEADER_BYTES } from "./frame_record.ts";
import { RecordError } from "./record_error.ts";

/** One record as read from a file. */
export interface TfRecord {
  /** Byte offset of the record's start (its length field) in the file. */
  offset: number;
  /** Index of the record, counted from `firstIndex` at the starting offset. */
  index: number;
  /** The record's data (a fresh buffer the caller owns). */
  data: Uint8Array;
}

/** Options of {@linkcode readRecords}. */
export interface ReadRecordsOptions {
  /** Byte offset of the first record to read; it must be a record start. @default 0 */
  offset?: number;
  /** Stop before this byte offset (a record start), or at the end of the file. @default file size */
  end?: number;
  /** The index given to the record at `offset`. @default 0 */
  firstIndex?: number;
  /** Check the masked CRC-32C of each length and data. @default true */
  checkCrc?: boolean;
  /** Bytes read per chunk; larger records get a larger buffer. @default 1 MiB */
  chunkBytes?: number;
}

const HINT_CORRUPT =
  "The file is damaged or is not a TFRecord file; re-create it, or set on_error: skip to drop bad records";

/**
 * Reads the records of a TFRecord file one by one.
 *
 * @throws {RecordError} on a truncated record or a CRC mismatch, naming the file, offset and record index
 *
 * @example Count the records of a file
 * ```ts ignore
 * import { readRecords } from "./read_records.ts";
 * let n = 0;
 * for await (const _ of readRecords("train-00.tfrecords")) n++;
 * ```
 */
export async function* readRecords(
  path: string,
  options: ReadRecordsOptions = {},
): AsyncGenerator<TfRecord> {
  const checkCrc = options.checkCrc ?? true;
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  using file = await Deno.open(path, { read: true });
  const size = (await file.stat()).size;
  const end = Math.min(options.end ?? size, size);
  let offset = options.offset ?? 0;
  let index = options.firstIndex ?? 0;
  if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);

  // buf[start, filled) holds the bytes of the file from `offset` on.
  let buf = new Uint8Array(chunkBytes);
  let start = 0;
  let filled = 0;
  let fileEnd = false;
  /** Makes at least `n` bytes available from `start`; false at end of file. */
  const fill = async (n: number): Promise<boolean> => {
    if (filled - start >= n) return true;
    if (start > 0) {
      buf.copyWithin(0, start, filled);
      filled -= start;
      start = 0;
    }
    if (buf.length < n) {
      const bigger = new Uint8Array(Math.max(n, 2 * buf.length));
      bigger.set(buf.subarray(0, filled));
      buf = bigger;
    }
    while (filled < n && !fileEnd) {
      const got = await file.read(buf.subarray(filled));
      if (got === null) fileEnd = true;
      else filled += got;
    }
    return filled >= n;
  };

  while (offset < end) {
    const at = { file: path, offset, record: index };
    if (!await fill(RECORD_HEADER_BYTES)) {
      throw new RecordError(
        `Cannot read record header: the file ends after ${
          filled - start
        } of ${RECORD_HEADER_BYTES} bytes`,
        at,
        HINT_CORRUPT,
      );
    }
    const view = new DataView(buf.buffer, buf.byteOffset + start, 12);
    const length64 = view.getBigUint64(0, true);
    if (checkCrc) {
      const stored = view.getUint32(8, true);
      const computed = maskCrc32c(crc32c(buf.subarray(start, start + 8)));
      if (stored !== computed) {
        throw new RecordError(
          `Cannot read record length: length CRC mismatch (stored ${
            hex(stored)
          }, computed ${hex(computed)})`,
          at,
          HINT_CORRUPT,
        );
      }
    }
    const total = Number(length64) + RECORD_HEADER_BYTES + RECORD_FOOTER_BYTES;
    if (length64 > BigInt(size) || offset + total > size) {
      throw new RecordError(
        `Cannot read record data: a record of ${length64} bytes runs past the end of the file (size ${size})`,
        at,
        "The file is truncated (an interrupted copy or write?); re-create it, or set on_error: skip",
      );
    }
    const length = Number(length64);
    await fill(total);
    const dataStart = start + RECORD_HEADER_BYTES;
    const data = buf.slice(dataStart, dataStart + length);
    if (checkCrc) {
      const stored = new DataView(buf.buffer, buf.byteOffset)
        .getUint32(dataStart + length, true);
      const computed = maskCrc32c(crc32c(data));
      if (stored !== computed) {
        throw new RecordError(
          `Cannot read record data: data CRC mismatch (stored ${
            hex(stored)
          }, computed ${hex(computed)})`,
          { ...at, resumeAt: offset + total },
          HINT_CORRUPT,
        );
      }
    }
    start += total;
    yield { offset, index, data };
    offset += total;
    index++;
  }
}

function hex(value: number): string {
  return `"0x${value.toString(16).padStart(8, "0")}"`;
}
