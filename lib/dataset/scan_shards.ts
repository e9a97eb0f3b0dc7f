/**
 * Ingest of existing TFRecord shards (the notebook's format): every record
 * is read once, its CRCs checked, its Example parsed and its image header
 * read; the shards themselves are used as they are (referenced, not copied).
 *
 * @module
 */
import { readRecords } from "../tfrecord/read_records.ts";
import { RecordError } from "../tfrecord/record_error.ts";
import { inspectExample } from "./inspect_example.ts";
import {
  type RecordIndex,
  RecordIndexBuilder,
  SPLIT_CODES,
} from "./record_index.ts";
import {
  handleBadRecord,
  type OnError,
  type SkippedRecord,
} from "./skipped_record.ts";

/** A shard to scan. */
export interface ShardSource {
  /** Absolute path of the file. */
  path: string;
  /** Its name inside the artifact (e.g. `shards/train-00.tfrecords`). */
  asPath: string;
  /** Whether its records belong to the source's train or test part. */
  part: "train" | "test";
}

/** Options of {@linkcode scanShards}. */
export interface ScanShardsOptions {
  /** The shards, in order; record ids follow this order. */
  shards: readonly ShardSource[];
  /** Number of classes when known (from a label map); labels are checked against it. */
  classes?: number;
  /** What to do with a bad record. @default "fail" */
  onError?: OnError;
  /** Called after each record with the bytes read so far. */
  onProgress?: (bytes: number) => void;
}

/** The index over the shards plus what was skipped. */
export interface ScannedShards {
  /** One row per good record; split is `train` or `holdout` (the source's test part). */
  index: RecordIndex;
  /** Records left out under `on_error: skip`. */
  skipped: SkippedRecord[];
  /** The largest label seen, −1 when none. */
  maxLabel: number;
}

/**
 * Validates every record of the shards and indexes the good ones.
 *
 * @throws {RecordError} for the first bad record under `on_error: fail`
 */
export async function scanShards(
  options: ScanShardsOptions,
): Promise<ScannedShards> {
  const onError = options.onError ?? "fail";
  const builder = new RecordIndexBuilder("tfrecord");
  const skipped: SkippedRecord[] = [];
  let maxLabel = -1;
  let bytesRead = 0;
  for (const [shard, source] of options.shards.entries()) {
    const split = source.part === "test"
      ? SPLIT_CODES.holdout
      : SPLIT_CODES.train;
    let offset = 0;
    let firstIndex = 0;
    // Restarted after a bad record whose framing is intact (resumeAt).
    while (offset >= 0) {
      const start = offset;
      offset = -1;
      try {
        for await (
          const r of readRecords(source.path, { offset: start, firstIndex })
        ) {
          const next = r.offset + r.data.length + 16;
          const at = {
            file: source.path,
            offset: r.offset,
            record: r.index,
            resumeAt: next,
          };
          try {
            const rec = inspectExample(r.data, at, {
              classes: options.classes,
            });
            builder.add({
              shard,
              offset: r.offset,
              length: r.data.length,
              label: rec.label,
              width: rec.width,
              height: rec.height,
              channels: rec.channels,
              split,
            });
            if (rec.label > maxLabel) maxLabel = rec.label;
          } catch (error) {
            handleBadRecord(error, onError, skipped);
          }
          bytesRead += next - r.offset;
          options.onProgress?.(bytesRead);
        }
      } catch (error) {
        const bad = handleBadRecord(error, onError, skipped);
        if (bad instanceof RecordError && bad.resumeAt !== undefined) {
          offset = bad.resumeAt;
          firstIndex = bad.record + 1;
        }
      }
    }
  }
  return {
    index: builder.finish(options.shards.map((s) => s.asPath)),
    skipped,
    maxLabel,
  };
}
