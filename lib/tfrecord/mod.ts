/**
 * TFRecord files of `tf.train.Example` records, as TensorFlow writes them:
 * CRC-32C framing, a streaming reader, random access by offset, a writer and
 * the Example codec. Pure TypeScript, no permissions beyond file access.
 *
 * @example Write a shard in the notebook's schema and read it back
 * ```ts
 * import {
 *   decodeExample,
 *   encodeExample,
 *   readRecords,
 *   TfRecordWriter,
 * } from "./mod.ts";
 *
 * const path = await Deno.makeTempFile({ suffix: ".tfrecords" });
 * const writer = await TfRecordWriter.create(path);
 * await writer.write(encodeExample({
 *   image: { kind: "bytes", value: [new Uint8Array([0xff, 0xd8, 0xff])] },
 *   label: { kind: "int64", value: [3] },
 *   width: { kind: "int64", value: [28] },
 *   height: { kind: "int64", value: [28] },
 * }));
 * await writer.close();
 *
 * for await (const record of readRecords(path)) {
 *   const example = decodeExample(record.data, { int64: "number" });
 *   const label = example.label;
 *   if (label.kind !== "int64" || label.value[0] !== 3) throw new Error("bad label");
 * }
 * await Deno.remove(path);
 * ```
 *
 * @module
 */
export { crc32c, maskCrc32c, maskedCrc32c } from "./crc32c.ts";
export {
  type BytesFeature,
  decodeExample,
  type DecodeExampleOptions,
  encodeExample,
  type EncodeExampleOptions,
  type Example,
  type Feature,
  type FloatFeature,
  type Int64Feature,
} from "./example.ts";
export {
  framedSize,
  frameRecord,
  RECORD_FOOTER_BYTES,
  RECORD_HEADER_BYTES,
} from "./frame_record.ts";
export {
  readRecords,
  type ReadRecordsOptions,
  type TfRecord,
} from "./read_records.ts";
export { RecordError, type RecordLocation } from "./record_error.ts";
export { type ReadRecordOptions, TfRecordFile } from "./tfrecord_file.ts";
export { TfRecordWriter, type WrittenRecord } from "./tfrecord_writer.ts";
