/**
 * Writes a decode artifact from an ingest artifact: the settings
 * (`decode.json`), the labels, the record index and, in `materialize` mode,
 * the pixel shards; in `stream` mode the ingest shards are handed to
 * `reference` so the artifact includes them without copying. The decode
 * stage is a thin adapter over it; {@linkcode openImageDataset} reads the result.
 *
 * @module
 */
import {
  readRecordIndex,
  type RecordIndex,
  writeRecordIndex,
} from "../dataset/record_index.ts";
import {
  type OnError,
  relativeSkipped,
  type SkippedRecord,
} from "../dataset/skipped_record.ts";
import type { DecodeSettings } from "./image_dataset.ts";
import { availableJpegDecoder } from "./jpeg_decoder.ts";
import { materializeImages } from "./materialize_images.ts";

/** Options of {@linkcode writeDecodedDataset}. */
export interface WriteDecodedDatasetOptions {
  /** The ingest artifact. */
  ingestDir: string;
  /** The decode artifact to write. */
  outDir: string;
  /** Mode, size, kernel, shrink-on-load; stream mode's decoder defaults to the one this machine has. */
  settings: DecodeSettings;
  /** Adds a file to the artifact by reference (stream mode's shards). */
  reference: (absolutePath: string, asPath: string) => void;
  /** Decodes in flight (materialize). @default 4 */
  concurrency?: number;
  /** An image that does not decode (materialize). @default "fail" */
  onError?: OnError;
  /** Called after each record (materialize) with the number done. */
  onProgress?: (done: number) => void;
  /** Skipped records name their files relative to this folder (the pipeline's) when inside it. */
  pathsRelativeTo?: string;
}

/** What was written. */
export interface DecodedDataset {
  /** The artifact's index. */
  index: RecordIndex;
  /** Images left out (materialize, `on_error: skip`). */
  skipped: SkippedRecord[];
  /** Images materialize decoded on the fast path (0 in stream mode). */
  fast: number;
}

/** Writes the decode artifact. */
export async function writeDecodedDataset(
  options: WriteDecodedDatasetOptions,
): Promise<DecodedDataset> {
  const { ingestDir, outDir } = options;
  const settings: DecodeSettings = options.settings.mode === "stream"
    ? {
      ...options.settings,
      decoder: options.settings.decoder ?? availableJpegDecoder(),
    }
    : options.settings;
  const source = await readRecordIndex(ingestDir);
  for (const name of ["labels.json", "class_counts.json"]) {
    await Deno.copyFile(`${ingestDir}/${name}`, `${outDir}/${name}`);
  }
  let index = source;
  let skipped: SkippedRecord[] = [];
  let fast = 0;
  if (settings.mode === "materialize") {
    ({ index, skipped, fast } = await materializeImages({
      index: source,
      sourceDir: ingestDir,
      outDir,
      imgSize: settings.imgSize,
      kernel: settings.kernel,
      concurrency: options.concurrency,
      onError: options.onError,
      onProgress: options.onProgress,
    }));
  } else {
    for (const shard of source.shards) {
      options.reference(`${ingestDir}/${shard}`, shard);
    }
  }
  if (options.pathsRelativeTo !== undefined) {
    skipped = relativeSkipped(skipped, options.pathsRelativeTo);
  }
  await writeRecordIndex(outDir, index);
  const json = (value: unknown) => JSON.stringify(value, null, 1) + "\n";
  await Deno.writeTextFile(
    `${outDir}/decode.json`,
    json({ ...settings, records: index.size, skipped: skipped.length }),
  );
  await Deno.writeTextFile(`${outDir}/report.json`, json({ skipped }));
  return { index, skipped, fast };
}
