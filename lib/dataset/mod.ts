/**
 * Dataset sources for the ingest stage: TFRecord shards in the notebook's
 * schema, Google-Landmarks folders and IDX files, turned into a validated,
 * split record index with label maps. Also the index format that
 * lib/image reads.
 *
 * @example A stratified, seeded holdout
 * ```ts
 * import { SPLIT_CODES, stratifiedSplit } from "./mod.ts";
 * const labels = Int32Array.from({ length: 100 }, (_, i) => i % 4);
 * const split = stratifiedSplit(labels, { fraction: 0.1, seed: 42 });
 * const held = split.filter((s) => s === SPLIT_CODES.holdout).length;
 * if (held !== 12) throw new Error(`expected round(25 * 0.1) = 3 per class, got ${held}`);
 * ```
 *
 * @module
 */
export { convertIdx, type ConvertIdxOptions } from "./convert_idx.ts";
export {
  convertLandmarks,
  type ConvertLandmarksOptions,
} from "./convert_landmarks.ts";
export type { ConvertedSource } from "./converted_source.ts";
export { expandGlob, globBase } from "./glob.ts";
export { type IdxArray, readIdx } from "./idx_file.ts";
export {
  type ClassCount,
  type Holdout,
  type IngestOptions,
  type IngestResult,
  type IngestSource,
  ingestSource,
  writeIngestArtifact,
} from "./ingest_source.ts";
export {
  type InspectedRecord,
  inspectExample,
  type InspectExampleOptions,
} from "./inspect_example.ts";
export { type LabelInfo, readLabelMap } from "./label_map.ts";
export {
  readRecordIndex,
  readRecordIndexSize,
  type RecordFormat,
  type RecordIndex,
  RecordIndexBuilder,
  type RecordRow,
  SPLIT_CODES,
  type SplitName,
  writeRecordIndex,
} from "./record_index.ts";
export { LABEL_MAP_NAMES, resolveSource } from "./resolve_source.ts";
export {
  type ScannedShards,
  scanShards,
  type ScanShardsOptions,
  type ShardSource,
} from "./scan_shards.ts";
export { type ShardedRecord, ShardSetWriter } from "./shard_set_writer.ts";
export {
  handleBadRecord,
  type OnError,
  type SkippedRecord,
} from "./skipped_record.ts";
export { SourceError } from "./source_error.ts";
export { sourceReads, type SourceSpec } from "./source_spec.ts";
export {
  stratifiedSplit,
  type StratifiedSplitOptions,
} from "./stratified_split.ts";
