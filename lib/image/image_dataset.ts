/**
 * The dataset the train and evaluate stages read: {@linkcode openImageDataset}
 * opens a decode artifact, and `batches()` yields float32 NHWC batches with
 * the notebook's transform (square crop, resize, /255, ImageNet mean/std).
 *
 * Every random choice is keyed, so batches are a pure function of
 * (seed, epoch, step): the shuffle by (seed, "shuffle", epoch), each crop by
 * (seed, "crop", epoch, record id). A resumed run re-creates any epoch.
 *
 * @module
 */
import type { LabelInfo } from "../dataset/label_map.ts";
import {
  readRecordIndex,
  type RecordIndex,
  SPLIT_CODES,
  type SplitName,
} from "../dataset/record_index.ts";
import { keyedRandom } from "../random/keyed_random.ts";
import { decodeExample } from "../tfrecord/example.ts";
import { DecodePool } from "./_decode_pool.ts";
import type { DecodeTarget } from "./_decode_protocol.ts";
import { Limiter, mapInOrder } from "./_in_flight.ts";
import { ShardFiles } from "./_shard_files.ts";
import type {
  decodeSquare as DecodeSquare,
  ResizeKernel,
} from "./decode_image.ts";
import { ImageDecodeError } from "./image_decode_error.ts";
import { recordSource } from "./record_source.ts";
import {
  normalizationTable,
  type PixelImage,
  writeNormalized,
} from "./normalize.ts";
import { type SquareCrop, squareCrop } from "./square_crop.ts";
import {
  type AugmentSettings,
  drawAugment,
  writeAugmented,
} from "./augment.ts";

/**
 * Stream mode's default decodes in flight per decode worker: enough that a
 * worker always has the next image queued while its reply crosses to this
 * thread. On 2 cores (2 workers), 8 each gave 1,430-1,660 img/s at 128 px
 * against 1,250-1,300 with 4 in flight in all, 530-600 against 470-520 at
 * 384 px; 16 each gained nothing more.
 */
export const DECODES_PER_WORKER = 8;

/** How the decode stage stored the images (its decode.json). */
export interface DecodeSettings {
  /** `materialize`: resized pixels stored once; `stream`: JPEG/PNG decoded per batch. */
  mode: "materialize" | "stream";
  /** Output side S of every image. */
  imgSize: number;
  /** Resampling kernel. */
  kernel: ResizeKernel;
  /** Stream mode: resize before cropping (JPEG shrink-on-load). */
  shrinkOnLoad: boolean;
  /** How training batches are augmented; absent or false: the notebook's random square crop only. */
  augment?: AugmentSettings | false;
  /**
   * Stream mode: what decodes JPEGs. `turbojpeg`: libturbojpeg in worker
   * threads, at 1/2, 1/4 or 1/8 DCT scale when the crop is at least twice
   * `imgSize`, then the SIMD resampler; images it does not take (PNG, CMYK,
   * EXIF-rotated, with an ICC profile, corrupt) and machines without the
   * library go to sharp. Absent: sharp (artifacts written before the fast
   * path existed).
   */
  decoder?: JpegDecoder;
}

/** What decodes stream-mode JPEGs (see {@linkcode DecodeSettings.decoder}). */
export type JpegDecoder = "sharp" | "turbojpeg";

/** How to batch. */
export interface BatchOptions {
  /** Which records. */
  split: SplitName;
  /** The epoch (0-based); keys the shuffle and the crops. */
  epoch: number;
  /** Images per batch. */
  batchSize: number;
  /** The seed (the train stage's). */
  seed: number;
  /**
   * `train`: seeded shuffle, random crops, the remainder dropped
   * (steps = N // batchSize, as the notebook's STEPS_PER_EPOCH).
   * `eval`: index order, centre crops, the last batch may be smaller.
   * @default "train" for the train split, "eval" for the holdout
   */
  mode?: "train" | "eval";
  /** Skip to this step of the epoch (for resume). @default 0 */
  startStep?: number;
  /** Batches assembled while the consumer holds one (at least 1). @default 2 */
  prefetch?: number;
  /**
   * Stream mode: decodes in flight. @default 4, or {@linkcode
   * DECODES_PER_WORKER} per decode worker
   */
  concurrency?: number;
  /**
   * Recycle the `images` buffers: a batch's arrays are overwritten once the
   * consumer asks for the next batch. Saves allocating and page-faulting
   * B·S·S·3 floats per batch (about 0.3 ms an image at 384 px); use it when
   * each batch is consumed (e.g. copied into a tensor) before the next.
   * @default false
   */
  reuseBuffers?: boolean;
}

/** One batch. */
export interface Batch {
  /** The step within the epoch, 0-based. */
  step: number;
  /** Images in this batch (B). */
  size: number;
  /** B·S·S·3 floats, NHWC, normalised. */
  images: Float32Array;
  /** B labels. */
  labels: Int32Array;
  /** B record ids (positions in the index). */
  records: Int32Array;
}

/** An opened decode artifact. */
export interface ImageDataset {
  /** The artifact directory. */
  readonly dir: string;
  /** Side S of the images. */
  readonly imgSize: number;
  /** Storage mode. */
  readonly mode: "materialize" | "stream";
  /** Number of classes. */
  readonly classes: number;
  /** The classes, by label. */
  readonly labels: readonly LabelInfo[];
  /** Records per split. */
  readonly counts: Readonly<Record<SplitName, number>>;
  /** The record ids of a split, in index order. */
  recordIds(split: SplitName): Int32Array;
  /** The labels of a split's records, in index order. */
  recordLabels(split: SplitName): Int32Array;
  /** Batches per epoch for these options. */
  stepsPerEpoch(
    options: Pick<BatchOptions, "split" | "batchSize" | "mode">,
  ): number;
  /** The batches of one epoch; the next ones are prepared while the consumer works. */
  batches(options: BatchOptions): AsyncGenerator<Batch>;
  /** Closes open shard files. */
  close(): Promise<void>;
}

/** Options of {@linkcode openImageDataset}. */
export interface OpenImageDatasetOptions {
  /**
   * Where the index's shard paths resolve. The decode stage's artifact holds
   * them (stream mode: by reference); the stage itself, before its artifact
   * exists, points this at the ingest artifact.
   * @default dir
   */
  shardDir?: string;
  /** Told once when the artifact asks for libturbojpeg and this machine lacks it (sharp decodes instead). */
  onNote?: (message: string) => void;
  /** Stream mode with libturbojpeg: decode workers. @default navigator.hardwareConcurrency, at most 8 */
  workers?: number;
}

/**
 * Opens the artifact of the decode stage.
 *
 * @example One epoch of training batches
 * ```ts ignore
 * import { openImageDataset } from "./image_dataset.ts";
 * const data = await openImageDataset("outputs/decode");
 * for await (const batch of data.batches({ split: "train", epoch: 0, batchSize: 64, seed: 42 })) {
 *   // batch.images: Float32Array of 64·S·S·3, batch.labels: Int32Array of 64
 * }
 * await data.close();
 * ```
 */
export async function openImageDataset(
  dir: string,
  options: OpenImageDatasetOptions = {},
): Promise<ImageDataset> {
  const settings = JSON.parse(
    await Deno.readTextFile(`${dir}/decode.json`),
  ) as DecodeSettings;
  const labels = JSON.parse(
    await Deno.readTextFile(`${dir}/labels.json`),
  ) as LabelInfo[];
  const index = await readRecordIndex(dir);
  const expected = settings.mode === "materialize" ? "pixels" : "tfrecord";
  if (index.format !== expected) {
    throw new SyntaxError(
      `Cannot open dataset "${dir}": decode.json says mode "${settings.mode}" but the index holds "${index.format}" records`,
    );
  }
  const decode = settings.mode === "stream"
    ? (await import("./decode_image.ts")).decodeSquare
    : undefined;
  let pool: DecodePool | undefined;
  if (settings.mode === "stream" && settings.decoder === "turbojpeg") {
    pool = DecodePool.open(
      options.workers ?? Math.min(8, navigator.hardwareConcurrency),
    );
    if (pool === undefined) {
      options.onNote?.(
        `libturbojpeg cannot be loaded here: "${dir}" is decoded with sharp (apt-get install libturbojpeg0 for the fast path)`,
      );
    }
  }
  const files = new ShardFiles(options.shardDir ?? dir, index.shards);
  return new Dataset(dir, settings, labels, index, files, decode, pool);
}

class Dataset implements ImageDataset {
  readonly dir: string;
  readonly imgSize: number;
  readonly mode: "materialize" | "stream";
  readonly classes: number;
  readonly labels: readonly LabelInfo[];
  readonly counts: Readonly<Record<SplitName, number>>;
  readonly #settings: DecodeSettings;
  readonly #index: RecordIndex;
  readonly #ids: Record<SplitName, Int32Array>;
  readonly #files: ShardFiles;
  readonly #table = normalizationTable();
  readonly #decode?: typeof DecodeSquare;
  readonly #pool?: DecodePool;

  constructor(
    dir: string,
    settings: DecodeSettings,
    labels: LabelInfo[],
    index: RecordIndex,
    files: ShardFiles,
    decode?: typeof DecodeSquare,
    pool?: DecodePool,
  ) {
    this.dir = dir;
    this.imgSize = settings.imgSize;
    this.mode = settings.mode;
    this.labels = labels;
    this.classes = labels.length;
    this.#settings = settings;
    this.#index = index;
    this.#decode = decode;
    this.#pool = pool;
    this.#files = files;
    const ids = (code: number) => {
      const out: number[] = [];
      for (let i = 0; i < index.size; i++) {
        if (index.split[i] === code) out.push(i);
      }
      return Int32Array.from(out);
    };
    this.#ids = {
      train: ids(SPLIT_CODES.train),
      holdout: ids(SPLIT_CODES.holdout),
    };
    this.counts = {
      train: this.#ids.train.length,
      holdout: this.#ids.holdout.length,
    };
  }

  recordIds(split: SplitName): Int32Array {
    return this.#ids[split].slice();
  }

  recordLabels(split: SplitName): Int32Array {
    return this.#ids[split].map((i) => this.#index.label[i]);
  }

  stepsPerEpoch(
    options: Pick<BatchOptions, "split" | "batchSize" | "mode">,
  ): number {
    const n = this.#ids[options.split].length;
    const mode = options.mode ?? defaultMode(options.split);
    return mode === "train"
      ? Math.floor(n / options.batchSize)
      : Math.ceil(n / options.batchSize);
  }

  async *batches(options: BatchOptions): AsyncGenerator<Batch> {
    const { batchSize, epoch, seed } = options;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new RangeError(
        `Cannot make batches of "${batchSize}" images: give a positive integer`,
      );
    }
    const mode = options.mode ?? defaultMode(options.split);
    const ids = this.#ids[options.split];
    const order = mode === "train"
      ? Int32Array.from(
        keyedRandom(seed, "shuffle", epoch).shuffle(Array.from(ids)),
      )
      : ids;
    const steps = this.stepsPerEpoch({ split: options.split, batchSize, mode });
    const limiter = new Limiter(
      options.concurrency ??
        Math.max(4, DECODES_PER_WORKER * (this.#pool?.workers ?? 0)),
    );
    const per = this.imgSize * this.imgSize * 3;
    const pool: Float32Array[] = [];
    const make = (step: number) => {
      const records = order.subarray(
        step * batchSize,
        Math.min((step + 1) * batchSize, order.length),
      );
      const images = options.reuseBuffers
        ? (pool.pop() ?? this.#newImages(batchSize * per))
          .subarray(0, records.length * per)
        : this.#newImages(records.length * per);
      return this.#assemble(step, records, images, mode, epoch, seed, limiter);
    };
    // `prefetch` batches are assembled while the consumer holds one.
    const inFlight = Math.max(1, options.prefetch ?? 2);
    const first = options.startStep ?? 0;
    const stepsLeft = Array.from(
      { length: Math.max(0, steps - first) },
      (_, k) => first + k,
    );
    for await (const batch of mapInOrder(stepsLeft, inFlight, make)) {
      yield batch;
      // The consumer asked for the next batch: this one's buffer is free.
      if (options.reuseBuffers) {
        pool.push(new Float32Array(batch.images.buffer));
      }
    }
  }

  /**
   * A batch's floats; on a SharedArrayBuffer where decode workers run, so
   * they write each image straight into it.
   */
  #newImages(length: number): Float32Array {
    return this.#pool?.needsSharedBatches
      ? new Float32Array(new SharedArrayBuffer(length * 4))
      : new Float32Array(length);
  }

  async #assemble(
    step: number,
    records: Int32Array,
    images: Float32Array,
    mode: "train" | "eval",
    epoch: number,
    seed: number,
    limiter: Limiter,
  ): Promise<Batch> {
    const s = this.imgSize;
    const per = s * s * 3;
    const labels = new Int32Array(records.length);
    const index = this.#index;
    const augment = mode === "train" && this.#settings.augment
      ? this.#settings.augment
      : undefined;
    await Promise.all(Array.from(records, (id, k) => {
      labels[k] = index.label[id];
      // A fresh stream per use: the fast path's crop and a sharp fallback draw alike.
      const placement = () =>
        mode === "train" ? keyedRandom(seed, "crop", epoch, id) : "center";
      // Augmentation draws from its own stream, so the crops without it stay as they were.
      const write = (image: PixelImage, square: SquareCrop) =>
        augment
          ? writeAugmented(
            images,
            k * per,
            image,
            s,
            drawAugment(
              image,
              augment,
              keyedRandom(seed, "augment", epoch, id),
            ),
          )
          : writeNormalized(images, k * per, image, square, this.#table);
      return limiter.run(async () => {
        const data = await this.#files.read(
          index.shard[id],
          index.offset[id],
          index.length[id],
          {
            record: id,
            checkCrc: this.mode === "materialize",
          },
        );
        if (this.mode === "materialize") {
          const image = {
            data,
            width: index.width[id],
            height: index.height[id],
            channels: index.channels[id] as 1 | 3,
          };
          write(image, squareCrop(image.width, image.height, placement()));
          return;
        }
        if (this.#pool) {
          const reply = await this.#decodeFast(
            data,
            id,
            placement(),
            augment ? undefined : { out: images, at: k * per },
          );
          if (reply?.kind === "written") return;
          if (reply?.kind === "pixels") {
            return write(reply.image, { left: 0, top: 0, side: s });
          }
        }
        const image = await this.#decodeStream(data, id, placement());
        write(image, { left: 0, top: 0, side: s });
      });
    }));
    return {
      step,
      size: records.length,
      images,
      labels,
      records: records.slice(),
    };
  }

  /** The fast path in a worker; undefined (or a "sharp" reply) when sharp must decode it. */
  async #decodeFast(
    data: Uint8Array,
    id: number,
    placement: ReturnType<typeof keyedRandom> | "center",
    into?: DecodeTarget,
  ) {
    const index = this.#index;
    let bytes;
    try {
      const image = decodeExample(data).image;
      if (image?.kind !== "bytes") return undefined;
      bytes = image.value[0] as Uint8Array;
    } catch {
      return undefined; // sharp's path reports it
    }
    const width = index.width[id], height = index.height[id];
    return await this.#pool!.run(
      bytes,
      {
        width,
        height,
        crop: squareCrop(width, height, placement),
        size: this.imgSize,
        kernel: this.#settings.kernel,
        grey: index.channels[id] <= 2,
      },
      into,
    );
  }

  async #decodeStream(
    data: Uint8Array,
    id: number,
    placement: ReturnType<typeof keyedRandom> | "center",
  ) {
    const index = this.#index;
    let example;
    try {
      example = decodeExample(data);
      const image = example.image;
      if (image?.kind !== "bytes") {
        throw new Error('the record has no "image" bytes');
      }
      return await this.#decode!(image.value[0], {
        size: this.imgSize,
        width: index.width[id],
        height: index.height[id],
        placement,
        grey: index.channels[id] <= 2,
        kernel: this.#settings.kernel,
        shrinkOnLoad: this.#settings.shrinkOnLoad,
      });
    } catch (error) {
      throw new ImageDecodeError(
        `Cannot decode image: ${(error as Error).message}`,
        await recordSource(
          this.#files.path(index.shard[id]),
          index.offset[id],
          example,
        ),
        "Re-run ingest to validate the shards, or use decode mode materialize with on_error: skip",
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {
    this.#pool?.close();
    await this.#files.close();
  }
}

function defaultMode(split: SplitName): "train" | "eval" {
  return split === "train" ? "train" : "eval";
}
