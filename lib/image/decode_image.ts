/**
 * JPEG/PNG decoding with sharp (libvips): upright (EXIF orientation
 * applied), alpha dropped, CMYK and 16-bit converted, as 8-bit grey or RGB.
 *
 * @module
 */
import sharp, { type Sharp } from "sharp";
import type { PixelImage } from "./normalize.ts";
import { type CropPlacement, squareCrop } from "./square_crop.ts";
import { shorterSideSize } from "./shorter_side_size.ts";

/** sharp's resampling kernels. */
export type ResizeKernel =
  | "nearest"
  | "linear"
  | "cubic"
  | "mitchell"
  | "lanczos2"
  | "lanczos3";

/** Options shared by the decoders. */
export interface DecodeOptions {
  /** The output size: the square's side, or the shorter side. */
  size: number;
  /** Resampling kernel. @default "linear" */
  kernel?: ResizeKernel;
  /** Return one grey channel instead of RGB (for grey sources). @default false */
  grey?: boolean;
}

/** Options of {@linkcode decodeSquare}. */
export interface DecodeSquareOptions extends DecodeOptions {
  /** Upright width of the source (from the index). */
  width: number;
  /** Upright height of the source. */
  height: number;
  /** Random offset (training) or centre (evaluation). */
  placement: CropPlacement;
  /**
   * Resize the whole image so its shorter side is `size`, then crop: lets
   * libjpeg decode at 1/2, 1/4 or 1/8 scale when the source is at least twice
   * the target. Same crop distribution, slightly different pixels.
   * @default false
   */
  shrinkOnLoad?: boolean;
}

/**
 * Decodes `bytes`, takes the notebook's square crop and resizes it to
 * `size`×`size`.
 *
 * @throws {Error} sharp's error when the image cannot be decoded
 */
export async function decodeSquare(
  bytes: Uint8Array,
  options: DecodeSquareOptions,
): Promise<PixelImage> {
  const { size, width, height } = options;
  const kernel = options.kernel ?? "linear";
  let pipeline = open(bytes);
  if (options.shrinkOnLoad) {
    const { width: w, height: h } = shorterSideSize(width, height, size);
    const crop = squareCrop(w, h, options.placement);
    pipeline = pipeline.resize(w, h, { fit: "fill", kernel })
      .extract({ left: crop.left, top: crop.top, width: size, height: size });
  } else {
    const crop = squareCrop(width, height, options.placement);
    pipeline = pipeline.extract({
      left: crop.left,
      top: crop.top,
      width: crop.side,
      height: crop.side,
    });
    if (crop.side !== size) {
      pipeline = pipeline.resize(size, size, { fit: "fill", kernel });
    }
  }
  return await output(pipeline, options.grey ?? false, size, size);
}

/**
 * Decodes `bytes` and resizes it so its shorter side is `size` (aspect kept,
 * the longer side rounded): the form `materialize` stores.
 */
export async function decodeShorterSide(
  bytes: Uint8Array,
  options: DecodeOptions & { width: number; height: number },
): Promise<PixelImage> {
  const { width, height } = options;
  const { width: w, height: h } = shorterSideSize(width, height, options.size);
  let pipeline = open(bytes);
  if (w !== width || h !== height) {
    pipeline = pipeline.resize(w, h, {
      fit: "fill",
      kernel: options.kernel ?? "linear",
    });
  }
  return await output(pipeline, options.grey ?? false, w, h);
}

function open(bytes: Uint8Array) {
  // failOn "error": tolerate libjpeg warnings (common in web photos), stop on errors.
  return sharp(bytes, { autoOrient: true, failOn: "error" }).removeAlpha();
}

async function output(
  pipeline: Sharp,
  grey: boolean,
  width: number,
  height: number,
): Promise<PixelImage> {
  const { data, info } = await pipeline
    .toColourspace(grey ? "b-w" : "srgb")
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  const channels = grey ? 1 : 3;
  if (
    info.width !== width || info.height !== height || info.channels !== channels
  ) {
    throw new Error(
      `Cannot decode image as ${width}x${height}x${channels}: sharp returned ${info.width}x${info.height}x${info.channels} (do the index's width and height match the image?)`,
    );
  }
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width,
    height,
    channels,
  };
}
