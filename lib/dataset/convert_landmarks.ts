/**
 * Converts a Google-Landmarks-style folder (`train.csv` with `id,landmark_id`;
 * images at `train/<id[0]>/<id[1]>/<id[2]>/<id>.jpg`) into TFRecord shards in
 * the notebook's schema, with landmark ids mapped to contiguous labels in
 * ascending id order, as the Kaggle TFRecord sets did. A test part is another
 * CSV in the same folder whose images sit in the folder of its name
 * (`test.csv` → `test/…`, `val.csv` → `val/…`); its records become the
 * source's test part. A test image whose landmark the train part lacks cannot
 * be scored: it is left out and listed.
 *
 * @module
 */
import { readImageHeader } from "../formats/image_header.ts";
import { encodeExample } from "../tfrecord/example.ts";
import { RecordError } from "../tfrecord/record_error.ts";
import { parseCsv } from "./_csv.ts";
import type { ConvertedSource } from "./converted_source.ts";
import { RecordIndexBuilder, SPLIT_CODES } from "./record_index.ts";
import { ShardSetWriter } from "./shard_set_writer.ts";
import {
  handleBadRecord,
  type OnError,
  type SkippedRecord,
} from "./skipped_record.ts";
import { SourceError } from "./source_error.ts";

/** Options of {@linkcode convertLandmarks}. */
export interface ConvertLandmarksOptions {
  /** The folder holding the CSV and `train/`. */
  dir: string;
  /** The CSV file name inside `dir`. @default "train.csv" */
  csv?: string;
  /** The test part's CSV file name inside `dir` (its images in the folder of its name). */
  test?: string;
  /** Where to write the shards (absolute). */
  outDir: string;
  /** The shards' folder name inside the artifact. @default "shards" */
  asDir?: string;
  /** Records per shard. @default 3000 */
  recordsPerShard?: number;
  /** What to do with a missing or unreadable image. @default "fail" */
  onError?: OnError;
  /** Files read at the same time. @default 8 */
  readAhead?: number;
  /** Called after each image with the number done. */
  onProgress?: (done: number) => void;
}

/**
 * Reads the CSV, maps landmark ids to labels and writes the shards.
 *
 * @throws {SourceError} for a missing or malformed CSV
 * @throws {RecordError} for a missing or bad image under `on_error: fail`
 */
export async function convertLandmarks(
  options: ConvertLandmarksOptions,
): Promise<ConvertedSource & { hasTest: boolean }> {
  const parts = [
    { csv: options.csv ?? "train.csv", test: false },
    ...(options.test ? [{ csv: options.test, test: true }] : []),
  ].map((part) => ({
    ...part,
    folder: part.csv.replace(/\.csv$/i, ""),
    path: `${options.dir}/${part.csv}`,
  }));
  const rows = await Promise.all(parts.map((p) => readLandmarkCsv(p.path)));
  const ids = [...new Set(rows[0].map((r) => r.landmarkId))];
  const numeric = ids.every((id) => /^\d+$/.test(id));
  ids.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const labelOf = new Map(ids.map((id, label) => [id, label]));
  const labels = ids.map((id, label) => ({ label, id, name: null }));

  const writer = new ShardSetWriter(
    options.outDir,
    options.asDir ?? "shards",
    options.recordsPerShard ?? 3000,
  );
  const builder = new RecordIndexBuilder("tfrecord");
  const skipped: SkippedRecord[] = [];
  const onError = options.onError ?? "fail";
  const readAhead = Math.max(1, options.readAhead ?? 8);
  const jobs = parts.flatMap((part, p) =>
    rows[p].map((row, line) => ({ part, row, line }))
  );
  const pathOf = (job: (typeof jobs)[number]) =>
    `${options.dir}/${job.part.folder}/${job.row.id[0]}/${job.row.id[1]}/${
      job.row.id[2]
    }/${job.row.id}.jpg`;
  const reads = new Map<number, Promise<Uint8Array | Error>>();
  const startRead = (i: number) => {
    if (i < jobs.length && labelOf.has(jobs[i].row.landmarkId)) {
      reads.set(i, Deno.readFile(pathOf(jobs[i])).catch((e) => e as Error));
    }
  };
  for (let i = 0; i < readAhead; i++) startRead(i);
  try {
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i];
      startRead(i + readAhead);
      const file = pathOf(job);
      const label = labelOf.get(job.row.landmarkId);
      if (label === undefined) {
        // Only a test row can name a landmark the train part lacks.
        skipped.push({
          file: job.part.path,
          offset: 0,
          record: job.line,
          reason:
            `landmark_id "${job.row.landmarkId}" of image "${job.row.id}" is not in ${
              parts[0].csv
            }, so it cannot be scored`,
        });
        options.onProgress?.(i + 1);
        continue;
      }
      const bytes = await reads.get(i)!;
      reads.delete(i);
      try {
        if (bytes instanceof Error) {
          if (!(bytes instanceof Deno.errors.NotFound)) throw bytes;
          throw new RecordError("Cannot read image: the file does not exist", {
            file,
            offset: 0,
            record: job.line,
          }, HINT);
        }
        let header;
        try {
          header = readImageHeader(bytes);
        } catch (error) {
          throw new RecordError(
            (error as Error).message,
            { file, offset: 0, record: job.line },
            HINT,
            { cause: error },
          );
        }
        const record = encodeExample({
          // The image's id names its file in error messages of later stages.
          id: { kind: "bytes", value: [new TextEncoder().encode(job.row.id)] },
          image: { kind: "bytes", value: [bytes] },
          label: { kind: "int64", value: [label] },
          width: { kind: "int64", value: [header.width] },
          height: { kind: "int64", value: [header.height] },
        });
        const at = await writer.write(job.part.test ? "test" : "train", record);
        builder.add({
          ...at,
          label,
          width: header.width,
          height: header.height,
          channels: header.channels,
          split: job.part.test ? SPLIT_CODES.holdout : SPLIT_CODES.train,
        });
      } catch (error) {
        handleBadRecord(error, onError, skipped);
      }
      options.onProgress?.(i + 1);
    }
  } finally {
    await writer.close();
    await Promise.all(reads.values());
  }
  return {
    index: builder.finish(writer.shards),
    labels,
    skipped,
    hasTest: parts.length > 1,
  };
}

const HINT =
  "Check the image folder layout <part>/<a>/<b>/<c>/<id>.jpg (train/ for train.csv), or set on_error: skip";

async function readLandmarkCsv(
  path: string,
): Promise<{ id: string; landmarkId: string }[]> {
  let text;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new SourceError(
      `Cannot read the landmark CSV: ${(error as Error).message}`,
      { file: path },
      'A Google-Landmarks folder needs "train.csv" with the columns id,landmark_id',
      { cause: error },
    );
  }
  const [header, ...rows] = parseCsv(text);
  const columns = header?.fields.map((f) => f.trim()) ?? [];
  const idAt = columns.indexOf("id");
  const landmarkAt = columns.indexOf("landmark_id");
  if (idAt < 0 || landmarkAt < 0) {
    throw new SourceError(
      `Cannot read the landmark CSV: the header is ${
        JSON.stringify(columns)
      }, not id,landmark_id`,
      { file: path, line: 1 },
      'The first line must name the columns "id" and "landmark_id"',
    );
  }
  return rows.map(({ fields, line }) => {
    const id = fields[idAt]?.trim() ?? "";
    const landmarkId = fields[landmarkAt]?.trim() ?? "";
    if (!/^[A-Za-z0-9_-]{3,}$/.test(id) || landmarkId === "") {
      throw new SourceError(
        `Cannot read the landmark CSV row: id "${id}", landmark_id "${landmarkId}"`,
        { file: path, line },
        "Ids are at least 3 letters or digits (they name the folders), landmark ids are not empty",
      );
    }
    return { id, landmarkId };
  });
}
