/**
 * Ingest: turns a dataset source into validated TFRecord shards, a record
 * index, label maps, class counts and a train/holdout split. The ingest
 * stage is a thin adapter over {@linkcode ingestSource} and
 * {@linkcode writeIngestArtifact}.
 *
 * @module
 */
import { convertIdx } from "./convert_idx.ts";
import { convertLandmarks } from "./convert_landmarks.ts";
import { type LabelInfo, readLabelMap } from "./label_map.ts";
import {
  type RecordIndex,
  SPLIT_CODES,
  writeRecordIndex,
} from "./record_index.ts";
import { scanShards } from "./scan_shards.ts";
import type { OnError, SkippedRecord } from "./skipped_record.ts";
import { SourceError } from "./source_error.ts";
import { stratifiedSplit } from "./stratified_split.ts";

/** A resolved source: absolute paths, kind decided. */
export type IngestSource =
  | {
    /** TFRecord shards in the notebook's schema, used as they are. */
    kind: "tfrecord";
    /** Train-part shards: absolute path and name relative to its glob base. */
    train: { path: string; name: string }[];
    /** Test-part shards (may be empty). */
    test: { path: string; name: string }[];
    /** A label map file (JSON, CSV, pickle). */
    labelMap?: string;
  }
  | {
    /** A Google-Landmarks folder: `train.csv` + `train/a/b/c/<id>.jpg`. */
    kind: "landmarks";
    /** The folder. */
    dir: string;
    /** The CSV's name in the folder. */
    csv: string;
    /** The test part's CSV in the folder (its images in the folder of its name). */
    test?: string;
  }
  | {
    /** MNIST-style IDX files. */
    kind: "idx";
    /** The folder. */
    dir: string;
    /** A label map file (JSON, CSV, pickle). */
    labelMap?: string;
  };

/** How to choose the holdout. */
export type Holdout =
  /** The source's own test part. */
  | "test"
  /** A stratified, seeded fraction of the train part (the test part, if any, is left out). */
  | number;

/** Options of {@linkcode ingestSource}. */
export interface IngestOptions {
  /** The source. */
  source: IngestSource;
  /** The artifact directory; converted shards go to `<outDir>/shards/`. */
  outDir: string;
  /** The holdout choice. */
  holdout: Holdout;
  /** Seed of the stratified split. */
  seed: number;
  /** What to do with a bad record. */
  onError: OnError;
  /** Records per written shard. @default 3000 */
  recordsPerShard?: number;
  /** Progress: units done (records, or bytes for TFRecord scans). */
  onProgress?: (done: number) => void;
}

/** Records per class and split. */
export interface ClassCount {
  /** The label. */
  label: number;
  /** Train records. */
  train: number;
  /** Holdout records. */
  holdout: number;
}

/** What ingest produced. */
export interface IngestResult {
  /** The index, splits assigned. */
  index: RecordIndex;
  /** The classes. */
  labels: LabelInfo[];
  /** Per-class counts. */
  counts: ClassCount[];
  /** Records left out. */
  skipped: SkippedRecord[];
  /** Input files used as they are: add them to the artifact by reference. */
  references: { absolutePath: string; asPath: string }[];
  /** Records of the source's test part left out because the holdout is a fraction. */
  excluded: number;
}

/**
 * Reads, validates and splits a source.
 *
 * @throws {SourceError} for a source that cannot be used
 * @throws {RecordError} for a bad record under `on_error: fail`
 */
export async function ingestSource(
  options: IngestOptions,
): Promise<IngestResult> {
  const { source } = options;
  const labelMap = "labelMap" in source && source.labelMap
    ? await readLabelMap(source.labelMap)
    : undefined;
  const shardsDir = `${options.outDir}/shards`;
  let index: RecordIndex;
  let labels: LabelInfo[];
  let skipped: SkippedRecord[];
  let references: IngestResult["references"] = [];
  let hasTest: boolean;
  switch (source.kind) {
    case "tfrecord": {
      const shards = [
        ...source.train.map((s) => ({
          path: s.path,
          asPath: `shards/train/${s.name}`,
          part: "train" as const,
        })),
        ...source.test.map((s) => ({
          path: s.path,
          asPath: `shards/test/${s.name}`,
          part: "test" as const,
        })),
      ];
      if (source.train.length === 0) {
        throw new SourceError(
          "Cannot ingest: the train pattern matches no file",
          {
            file: source.train[0]?.path ?? "(none)",
          },
          "Check the glob and that the files exist",
        );
      }
      const scanned = await scanShards({
        shards,
        classes: labelMap?.length,
        onError: options.onError,
        onProgress: options.onProgress,
      });
      index = scanned.index;
      skipped = scanned.skipped;
      labels = labelMap ?? defaultLabels(scanned.maxLabel + 1);
      references = shards.map((s) => ({
        absolutePath: s.path,
        asPath: s.asPath,
      }));
      hasTest = source.test.length > 0;
      break;
    }
    case "landmarks": {
      const converted = await convertLandmarks({
        dir: source.dir,
        csv: source.csv,
        test: source.test,
        outDir: shardsDir,
        recordsPerShard: options.recordsPerShard,
        onError: options.onError,
        onProgress: options.onProgress,
      });
      ({ index, labels, skipped, hasTest } = converted);
      break;
    }
    case "idx": {
      const converted = await convertIdx({
        dir: source.dir,
        outDir: shardsDir,
        recordsPerShard: options.recordsPerShard,
        labels: labelMap,
        onProgress: options.onProgress,
      });
      ({ index, labels, skipped, hasTest } = converted);
      break;
    }
  }
  let excluded = 0;
  if (options.holdout === "test") {
    if (!hasTest) {
      throw new SourceError(
        "Cannot use holdout: test: the source has no test part",
        { file: sourceLocation(source) },
        "Give the test part (test shards: test: <glob> or test* files in the folder; a landmarks folder: test.csv and test/, or test: <name>.csv), or a holdout fraction such as 0.1",
      );
    }
  } else {
    // Test-part records are left out; the holdout is drawn from the train part.
    const eligible = index.split.map((
      s,
    ) => (s === SPLIT_CODES.holdout ? SPLIT_CODES.excluded : s));
    excluded = eligible.filter((s) => s === SPLIT_CODES.excluded).length;
    index.split = stratifiedSplit(index.label, {
      fraction: options.holdout,
      seed: options.seed,
      eligible,
    });
  }
  return {
    index,
    labels,
    counts: classCounts(index, labels.length),
    skipped,
    references,
    excluded,
  };
}

/** A path that names the source in error messages. */
function sourceLocation(source: IngestSource): string {
  if (source.kind !== "tfrecord") return source.dir;
  const first = source.train[0]?.path ?? "";
  return first.slice(0, first.lastIndexOf("/")) || first;
}

function defaultLabels(classes: number): LabelInfo[] {
  return Array.from(
    { length: classes },
    (_, label) => ({ label, id: String(label), name: null }),
  );
}

function classCounts(index: RecordIndex, classes: number): ClassCount[] {
  const counts = Array.from(
    { length: classes },
    (_, label) => ({ label, train: 0, holdout: 0 }),
  );
  for (let i = 0; i < index.size; i++) {
    const c = counts[index.label[i]];
    if (index.split[i] === SPLIT_CODES.train) c.train++;
    else if (index.split[i] === SPLIT_CODES.holdout) c.holdout++;
  }
  return counts;
}

/**
 * Writes the ingest artifact's files (see ARTIFACTS.md): dataset.json,
 * labels.json, class_counts.json, report.json and the index.
 */
export async function writeIngestArtifact(
  outDir: string,
  result: IngestResult,
  source: Record<string, unknown>,
): Promise<void> {
  const train = result.counts.reduce((n, c) => n + c.train, 0);
  const holdout = result.counts.reduce((n, c) => n + c.holdout, 0);
  const json = (value: unknown) => JSON.stringify(value, null, 1) + "\n";
  await writeRecordIndex(outDir, result.index);
  await Deno.writeTextFile(
    `${outDir}/dataset.json`,
    json({
      classes: result.labels.length,
      records: train + holdout,
      splits: { train, holdout },
      skipped: result.skipped.length,
      excluded: result.excluded,
      source,
    }),
  );
  await Deno.writeTextFile(`${outDir}/labels.json`, json(result.labels));
  await Deno.writeTextFile(`${outDir}/class_counts.json`, json(result.counts));
  await Deno.writeTextFile(
    `${outDir}/report.json`,
    json({ skipped: result.skipped }),
  );
}
