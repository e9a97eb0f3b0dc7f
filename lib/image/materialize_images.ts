/**
 * `materialize` mode: decode every image once, resize it so its shorter side
 * is `img_size`, and store the pixels (uint8 HWC, grey kept as one channel)
 * as records of TFRecord-framed shards, so each epoch only crops and
 * normalises. Crop-after-resize has the same distribution as the notebook's
 * resize-after-crop.
 *
 * @module
 */
import {
  type RecordIndex,
  RecordIndexBuilder,
  SPLIT_CODES,
} from "../dataset/record_index.ts";
import type { OnError, SkippedRecord } from "../dataset/skipped_record.ts";
import { decodeExample } from "../tfrecord/example.ts";
import { TfRecordWriter } from "../tfrecord/tfrecord_writer.ts";
import { mapInOrder } from "./_in_flight.ts";
import { ShardFiles } from "./_shard_files.ts";
import { decodeShorterSide, type ResizeKernel } from "./decode_image.ts";
import { ImageDecodeError } from "./image_decode_error.ts";
import { recordSource } from "./record_source.ts";
import type { PixelImage } from "./normalize.ts";

/** Options of {@linkcode materializeImages}. */
export interface MaterializeOptions {
  /** The ingest index (TFRecord format). */
  index: RecordIndex;
  /** The directory its shard paths are relative to. */
  sourceDir: string;
  /** The artifact directory; shards go to `<outDir>/pixels/`. */
  outDir: string;
  /** The shorter side after resizing. */
  imgSize: number;
  /** Resampling kernel. @default "linear" */
  kernel?: ResizeKernel;
  /** Decodes in flight. @default 4 */
  concurrency?: number;
  /** What to do with an image that does not decode. @default "fail" */
  onError?: OnError;
  /** Bytes per pixel shard before a new one starts. @default 1 GiB */
  shardBytes?: number;
  /** Called after each record with the number done. */
  onProgress?: (done: number) => void;
}

/** The pixel index (same record ids) and the images left out. */
export interface MaterializedImages {
  /** Format "pixels"; undecodable images (under skip) are marked excluded. */
  index: RecordIndex;
  /** Images left out under `on_error: skip`. */
  skipped: SkippedRecord[];
}

/**
 * Decodes and stores every record that is in a split.
 *
 * @throws {ImageDecodeError} for an undecodable image under `on_error: fail`
 */
export async function materializeImages(
  options: MaterializeOptions,
): Promise<MaterializedImages> {
  const { index, imgSize } = options;
  const shardBytes = options.shardBytes ?? 1 << 30;
  const files = new ShardFiles(options.sourceDir, index.shards);
  const builder = new RecordIndexBuilder("pixels");
  const skipped: SkippedRecord[] = [];
  const shards: string[] = [];
  await Deno.mkdir(`${options.outDir}/pixels`, { recursive: true });
  let writer: TfRecordWriter | undefined;

  const decode = async (i: number): Promise<PixelImage | Error | undefined> => {
    if (index.split[i] === SPLIT_CODES.excluded) return undefined;
    let example;
    try {
      const data = await files.read(
        index.shard[i],
        index.offset[i],
        index.length[i],
        {
          record: i,
          checkCrc: false, // checked once by ingest
        },
      );
      example = decodeExample(data);
      const image = example.image;
      if (image?.kind !== "bytes") {
        throw new Error('the record has no "image" bytes');
      }
      return await decodeShorterSide(image.value[0], {
        size: imgSize,
        width: index.width[i],
        height: index.height[i],
        grey: index.channels[i] <= 2,
        kernel: options.kernel,
      });
    } catch (error) {
      return new ImageDecodeError(
        `Cannot decode image: ${(error as Error).message}`,
        await recordSource(
          files.path(index.shard[i]),
          index.offset[i],
          example,
        ),
        "Re-run ingest to validate the shards, or set on_error: skip in decode",
        { cause: error },
      );
    }
  };

  try {
    let i = 0;
    const ids = Array.from({ length: index.size }, (_, k) => k);
    for await (
      const result of mapInOrder(ids, options.concurrency ?? 4, decode)
    ) {
      const row = {
        shard: 0,
        offset: 0,
        length: 0,
        label: index.label[i],
        width: 0,
        height: 0,
        channels: 0,
      };
      if (result instanceof Error) {
        if ((options.onError ?? "fail") === "fail") throw result;
        const bad = result as ImageDecodeError;
        skipped.push({
          file: bad.file,
          offset: bad.offset,
          record: bad.record,
          reason: bad.reason,
        });
        builder.add({ ...row, split: SPLIT_CODES.excluded });
      } else if (result === undefined) {
        builder.add({ ...row, split: SPLIT_CODES.excluded });
      } else {
        if (!writer || writer.sizeBytes >= shardBytes) {
          await writer?.close();
          const name = `pixels/pixels-${
            String(shards.length).padStart(5, "0")
          }.tfrecords`;
          writer = await TfRecordWriter.create(`${options.outDir}/${name}`);
          shards.push(name);
        }
        const at = await writer.write(result.data);
        builder.add({
          shard: shards.length - 1,
          offset: at.offset,
          length: at.length,
          label: index.label[i],
          width: result.width,
          height: result.height,
          channels: result.channels,
          split: index.split[i],
        });
      }
      // Not `onProgress?.(++i)`: optional call skips evaluating its argument.
      i++;
      options.onProgress?.(i);
    }
  } finally {
    await writer?.close();
    await files.close();
  }
  return { index: builder.finish(shards), skipped };
}
