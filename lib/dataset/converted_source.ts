/**
 * What a source conversion (landmark folder, IDX files) produces.
 *
 * @module
 */
import type { LabelInfo } from "./label_map.ts";
import type { RecordIndex } from "./record_index.ts";
import type { SkippedRecord } from "./skipped_record.ts";

/** Converted records: the index over the written shards, the classes and the skips. */
export interface ConvertedSource {
  /** One row per kept record; split is train, or holdout for the source's test part. */
  index: RecordIndex;
  /** The classes. */
  labels: LabelInfo[];
  /** Records left out under `on_error: skip`. */
  skipped: SkippedRecord[];
}
