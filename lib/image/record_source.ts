/**
 * Where a record of a dataset came from, for error messages: the user's own
 * TFRecord file when the shard is a reference to it (with the record
 * counted as a reader of that file counts it), else the converted shard,
 * with the image's id when the record carries one.
 *
 * @module
 */
import { recordNumberAt } from "../tfrecord/record_number.ts";
import type { Example } from "../tfrecord/example.ts";

/** A record's place in its source file. */
export interface RecordSource {
  /** The source file (absolute). */
  file: string;
  /** The record's 0-based index in that file (-1 when it cannot be counted). */
  record: number;
  /** The byte offset of the record in that file. */
  offset: number;
  /** The image's id, when the record holds an `id` feature. */
  id?: string;
}

/** Finds the source of the record at `offset` of the shard at `shardPath`. */
export async function recordSource(
  shardPath: string,
  offset: number,
  example?: Example,
): Promise<RecordSource> {
  let file = shardPath;
  try {
    file = await Deno.realPath(shardPath);
  } catch { /* name the shard as it is */ }
  let record = -1;
  try {
    record = await recordNumberAt(file, offset);
  } catch { /* unreadable: leave it uncounted */ }
  const id = example?.id?.kind === "bytes"
    ? new TextDecoder().decode(example.id.value[0])
    : undefined;
  return { file, record, offset, ...(id ? { id } : {}) };
}
