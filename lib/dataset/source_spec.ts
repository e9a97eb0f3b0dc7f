/**
 * A dataset source as written in pipeline.yaml, and the data paths it reads.
 * Kept free of heavy imports: the ingest stage's `reads()` uses it.
 *
 * @module
 */
import { globBase } from "./glob.ts";

/** A source as the user writes it; paths are relative to the pipeline file. */
export type SourceSpec =
  /** A folder whose kind is detected from its contents. */
  | string
  /** TFRecord shards: a glob for the train part, optionally one for the test part. */
  | { tfrecord: string | string[]; test?: string | string[]; labelMap?: string }
  /** A Google-Landmarks folder; `test` names the test part's CSV (images in the folder of its name). */
  | { landmarks: string; csv?: string; test?: string }
  /** A folder of IDX files. */
  | { idx: string; labelMap?: string };

/** The data paths a spec reads (files or folders, relative to the pipeline file). */
export function sourceReads(spec: SourceSpec): string[] {
  if (typeof spec === "string") return [spec];
  if ("tfrecord" in spec) {
    const globs = [spec.tfrecord, spec.test ?? []].flat();
    return [...globs.map(globBase), ...(spec.labelMap ? [spec.labelMap] : [])];
  }
  if ("landmarks" in spec) return [spec.landmarks];
  return [spec.idx, ...(spec.labelMap ? [spec.labelMap] : [])];
}
