/**
 * TFRecord framing: each record is
 * `u64le length | u32le masked_crc32c(length) | data | u32le masked_crc32c(data)`.
 *
 * @module
 */
import { crc32c, maskCrc32c } from "./crc32c.ts";

/** Bytes before a record's data: the length and its CRC. */
export const RECORD_HEADER_BYTES = 12;
/** Bytes after a record's data: its CRC. */
export const RECORD_FOOTER_BYTES = 4;

/** The framed size of a record whose data is `dataLength` bytes long. */
export function framedSize(dataLength: number): number {
  return RECORD_HEADER_BYTES + dataLength + RECORD_FOOTER_BYTES;
}

/** Writes the 12-byte header of a record of `dataLength` bytes into `out` at `at`. */
export function writeRecordHeader(
  out: Uint8Array,
  at: number,
  dataLength: number,
): void {
  const view = new DataView(out.buffer, out.byteOffset + at, 12);
  view.setBigUint64(0, BigInt(dataLength), true);
  const crc = maskCrc32c(crc32c(out.subarray(at, at + 8)));
  view.setUint32(8, crc, true);
}

/**
 * Frames `data` as one TFRecord record (header, data, footer) in a new buffer.
 *
 * @example Frame one record
 * ```ts
 * import { frameRecord } from "./frame_record.ts";
 * const framed = frameRecord(new Uint8Array([1, 2, 3]));
 * if (framed.length !== 12 + 3 + 4) throw new Error("bad size");
 * ```
 */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(framedSize(data.length));
  writeRecordHeader(out, 0, data.length);
  out.set(data, RECORD_HEADER_BYTES);
  new DataView(out.buffer).setUint32(
    RECORD_HEADER_BYTES + data.length,
    maskCrc32c(crc32c(data)),
    true,
  );
  return out;
}
