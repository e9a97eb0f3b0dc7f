/**
 * Converts MNIST-style IDX files (Fashion-MNIST) into TFRecord shards in the
 * notebook's schema, each image stored losslessly as a grey PNG.
 *
 * @module
 */
import { encodePng } from "../formats/encode_png.ts";
import { encodeExample } from "../tfrecord/example.ts";
import { readIdx } from "./idx_file.ts";
import type { ConvertedSource } from "./converted_source.ts";
import type { LabelInfo } from "./label_map.ts";
import {
  type RecordIndex,
  RecordIndexBuilder,
  SPLIT_CODES,
} from "./record_index.ts";
import { ShardSetWriter } from "./shard_set_writer.ts";
import { SourceError } from "./source_error.ts";

/** Options of {@linkcode convertIdx}. */
export interface ConvertIdxOptions {
  /** The folder with `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]` and optionally `t10k-…`. */
  dir: string;
  /** Where to write the shards (absolute). */
  outDir: string;
  /** The shards' folder name inside the artifact. @default "shards" */
  asDir?: string;
  /** Records per shard. @default 3000 */
  recordsPerShard?: number;
  /** Class names and ids; default: ids "0".."N−1" without names. */
  labels?: LabelInfo[];
  /** Called after each image with the number done. */
  onProgress?: (done: number) => void;
}

/** Whether `dir` holds IDX training files. */
export async function hasIdxFiles(dir: string): Promise<boolean> {
  return (await findIdx(dir, "train", "images")) !== undefined;
}

/**
 * Converts the train part (and the t10k test part, when present).
 *
 * @throws {SourceError} when files are missing or shapes disagree
 */
export async function convertIdx(
  options: ConvertIdxOptions,
): Promise<ConvertedSource & { hasTest: boolean }> {
  const writer = new ShardSetWriter(
    options.outDir,
    options.asDir ?? "shards",
    options.recordsPerShard ?? 3000,
  );
  const builder = new RecordIndexBuilder("tfrecord");
  let maxLabel = -1;
  let done = 0;
  let hasTest = false;
  try {
    for (
      const [part, prefix] of [["train", "train"], ["test", "t10k"]] as const
    ) {
      const imagesPath = await findIdx(options.dir, prefix, "images");
      const labelsPath = await findIdx(options.dir, prefix, "labels");
      if (!imagesPath || !labelsPath) {
        if (part === "test" && !imagesPath && !labelsPath) continue;
        throw new SourceError(
          `Cannot find the ${prefix} ${
            imagesPath ? "labels" : "images"
          } IDX file`,
          { file: options.dir },
          `Expected ${prefix}-images-idx3-ubyte(.gz) and ${prefix}-labels-idx1-ubyte(.gz)`,
        );
      }
      hasTest ||= part === "test";
      const images = await readIdx(imagesPath);
      const labels = await readIdx(labelsPath);
      const [n, height, width] = images.shape;
      if (
        images.shape.length !== 3 || labels.shape.length !== 1 ||
        labels.shape[0] !== n
      ) {
        throw new SourceError(
          `Cannot pair IDX files: images ${
            JSON.stringify(images.shape)
          }, labels ${JSON.stringify(labels.shape)}`,
          { file: imagesPath },
          "Images must be N×H×W and labels N",
        );
      }
      const size = width * height;
      for (let i = 0; i < n; i++) {
        const label = labels.data[i];
        const png = encodePng(images.data.subarray(i * size, (i + 1) * size), {
          width,
          height,
          channels: 1,
        });
        const record = encodeExample({
          image: { kind: "bytes", value: [png] },
          label: { kind: "int64", value: [label] },
          width: { kind: "int64", value: [width] },
          height: { kind: "int64", value: [height] },
        });
        const at = await writer.write(part, record);
        builder.add({
          ...at,
          label,
          width,
          height,
          channels: 1,
          split: part === "test" ? SPLIT_CODES.holdout : SPLIT_CODES.train,
        });
        if (label > maxLabel) maxLabel = label;
        done++;
        options.onProgress?.(done);
      }
    }
  } finally {
    await writer.close();
  }
  const labels = options.labels ??
    Array.from({ length: maxLabel + 1 }, (_, label) => ({
      label,
      id: String(label),
      name: null,
    }));
  if (maxLabel >= labels.length) {
    throw new SourceError(
      `Cannot use the label map: the IDX labels go up to ${maxLabel}, the map has ${labels.length} classes`,
      { file: options.dir },
      "Give a label map with an entry for every label",
    );
  }
  const index: RecordIndex = builder.finish(writer.shards);
  return { index, labels, skipped: [], hasTest };
}

async function findIdx(
  dir: string,
  prefix: string,
  kind: "images" | "labels",
): Promise<string | undefined> {
  const base = `${dir}/${prefix}-${kind}-idx${kind === "images" ? 3 : 1}-ubyte`;
  for (const candidate of [base, `${base}.gz`]) {
    try {
      if ((await Deno.stat(candidate)).isFile) return candidate;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return undefined;
}
