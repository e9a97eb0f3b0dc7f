/**
 * Images for training, the way the Google Landmark Recognition 2021 notebook
 * prepared them: decode (sharp), random square crop along the longer side,
 * resize to `imgSize`, `/255`, ImageNet mean/std, float32 NHWC. The batch
 * iterator {@linkcode openImageDataset} is what the train and evaluate
 * stages read; the decode stage writes its input with
 * {@linkcode writeDecodedDataset}.
 *
 * @example The crop and normalisation of one image
 * ```ts
 * import { keyedRandom } from "../random/keyed_random.ts";
 * import { normalizationTable, squareCrop, writeNormalized } from "./mod.ts";
 *
 * // A 4×2 grey image: the crop is 2×2, offset 0 or 1 (never 2) along x.
 * const image = { data: new Uint8Array([0, 50, 100, 150, 200, 250, 0, 255]), width: 4, height: 2, channels: 1 as const };
 * const crop = squareCrop(image.width, image.height, keyedRandom(42, "crop", 0, 0));
 * if (crop.side !== 2 || crop.top !== 0 || crop.left > 1) throw new Error("bad crop");
 * const out = new Float32Array(2 * 2 * 3);
 * writeNormalized(out, 0, image, crop, normalizationTable());
 * // Pixel 0 of the crop, red channel: (v / 255 - 0.485) / 0.229.
 * const v = image.data[crop.left];
 * if (Math.abs(out[0] - (v / 255 - 0.485) / 0.229) > 1e-6) throw new Error("bad value");
 * ```
 *
 * @example Training batches (inside the train stage)
 * ```ts ignore
 * import { openImageDataset } from "./mod.ts";
 * const data = await openImageDataset(ctx.inputs.decode);
 * for (let epoch = 0; epoch < epochs; epoch++) {
 *   const options = { split: "train", epoch, batchSize: 64, seed: ctx.seed, reuseBuffers: true } as const;
 *   for await (const batch of data.batches(options)) {
 *     const x = tf.tensor4d(batch.images, [batch.size, data.imgSize, data.imgSize, 3]); // copied
 *     const y = tf.tensor1d(batch.labels, "int32");
 *     // … train step; the next batch is decoded meanwhile
 *   }
 * }
 * await data.close();
 * ```
 *
 * @module
 */
export { type BatchStats, batchStats } from "./batch_stats.ts";
export {
  decodeShorterSide,
  decodeSquare,
  type DecodeSquareOptions,
  type ResizeKernel,
} from "./decode_image.ts";
export { encodePng } from "../formats/encode_png.ts";
export {
  type Batch,
  type BatchOptions,
  type DecodeSettings,
  type ImageDataset,
  openImageDataset,
  type OpenImageDatasetOptions,
} from "./image_dataset.ts";
export { ImageDecodeError } from "./image_decode_error.ts";
export { type ImageHeader, readImageHeader } from "../formats/image_header.ts";
export {
  type MaterializedImages,
  materializeImages,
  type MaterializeOptions,
} from "./materialize_images.ts";
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  normalizationTable,
  type PixelImage,
  writeNormalized,
} from "./normalize.ts";
export { showBatch, type ShowBatchOptions } from "./show_batch.ts";
export {
  type CropPlacement,
  type SquareCrop,
  squareCrop,
} from "./square_crop.ts";
export {
  type DecodedDataset,
  writeDecodedDataset,
  type WriteDecodedDatasetOptions,
} from "./write_decoded_dataset.ts";
