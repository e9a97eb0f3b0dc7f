/**
 * The fast path of a square crop (stream mode's batches) and of a whole
 * image as it is (what materialize stores when an image is already at its
 * size): libturbojpeg decodes a plain JPEG at the smallest DCT scale (1/2,
 * 1/4, 1/8) that keeps the crop at least as large as the output, straight
 * into the resampler's memory, which crops and resizes it; a whole image is
 * decoded at full scale and copied, so its pixels are sharp's byte for byte.
 * Anything sharp would treat differently (EXIF orientation,
 * an ICC profile other than sRGB, CMYK, a colour JPEG asked for as grey, a
 * size that differs from the index, a warning or error while decoding, not
 * a JPEG at all) returns undefined: the caller decodes it with sharp, as
 * before.
 * Private to lib/image.
 *
 * @module
 */
import { jpegMarkers } from "./_jpeg_markers.ts";
import { Resizer } from "./_resizer.ts";
import { TJCS, TurboJpeg } from "./_turbojpeg.ts";
import type { ResizeKernel } from "./decode_image.ts";
import type { PixelImage } from "./normalize.ts";
import type { SquareCrop } from "./square_crop.ts";

/** The whole image, as it is. */
export interface FastWholeRequest {
  /** Upright width and height from the index. */
  width: number;
  height: number;
  /** One grey channel instead of RGB. */
  grey: boolean;
}

/** A square crop to decode, already placed. */
export interface FastSquareRequest extends FastWholeRequest {
  /** The square in source pixels. */
  crop: SquareCrop;
  /** Output side. */
  size: number;
  /** Resampling kernel. */
  kernel: ResizeKernel;
}

/** What one fast decode does: a square crop (with `crop`) or the whole image. */
export type FastRequest = FastSquareRequest | FastWholeRequest;

/** A source rectangle, in upright source pixels, and the output it becomes. */
interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
  outWidth: number;
  outHeight: number;
}

/** A libturbojpeg decompressor and a resampler: one per thread. */
export class FastJpegDecoder {
  readonly #jpeg: TurboJpeg;
  readonly #resizer = new Resizer();

  private constructor(jpeg: TurboJpeg) {
    this.#jpeg = jpeg;
  }

  /** The decoder, or undefined when libturbojpeg is not installed (or not permitted). */
  static open(): FastJpegDecoder | undefined {
    const jpeg = TurboJpeg.open();
    return jpeg && new FastJpegDecoder(jpeg);
  }

  /** The request's pixels, or undefined when this image is sharp's to decode. */
  decode(bytes: Uint8Array, r: FastRequest): PixelImage | undefined {
    return "crop" in r
      ? this.decodeSquare(bytes, r)
      : this.decodeWhole(bytes, r);
  }

  /** The crop as uint8 pixels, or undefined when this image is sharp's to decode. */
  decodeSquare(
    bytes: Uint8Array,
    r: FastSquareRequest,
  ): PixelImage | undefined {
    const { left, top, side } = r.crop;
    return this.#decodeRect(bytes, r, {
      left,
      top,
      width: side,
      height: side,
      outWidth: r.size,
      outHeight: r.size,
    }, r.kernel);
  }

  /** The whole image as uint8 pixels (nothing resampled), or undefined when it is sharp's to decode. */
  decodeWhole(bytes: Uint8Array, r: FastWholeRequest): PixelImage | undefined {
    const { width, height } = r;
    // The output is the source: decoded at full scale and copied, so the
    // kernel is never used.
    return this.#decodeRect(bytes, r, {
      left: 0,
      top: 0,
      width,
      height,
      outWidth: width,
      outHeight: height,
    }, "linear");
  }

  #decodeRect(
    bytes: Uint8Array,
    r: FastWholeRequest,
    rect: Rect,
    kernel: ResizeKernel,
  ): PixelImage | undefined {
    const markers = jpegMarkers(bytes);
    if (!markers || markers.orientation !== 1 || markers.icc === "other") {
      return undefined;
    }
    const header = this.#jpeg.header(bytes);
    if (
      !header || header.width !== r.width || header.height !== r.height ||
      header.colorspace === TJCS.CMYK || header.colorspace === TJCS.YCCK ||
      (r.grey && header.colorspace !== TJCS.GRAY)
    ) return undefined;
    const channels = r.grey ? 1 : 3;
    let scale = 8;
    while (
      scale > 1 &&
      (rect.width / scale < rect.outWidth ||
        rect.height / scale < rect.outHeight)
    ) scale >>= 1;
    // TJSCALED: the library rounds scaled sizes up.
    const sw = Math.ceil(r.width / scale), sh = Math.ceil(r.height / scale);
    const source = this.#resizer.source(sw * sh * channels);
    if (!this.#jpeg.decode(bytes, source, sw, sh, r.grey)) return undefined;
    const fx = sw / r.width, fy = sh / r.height;
    const data = scale === 1 && rect.width === rect.outWidth &&
        rect.height === rect.outHeight
      ? copyRect(source, sw, channels, rect)
      : this.#resizer.resize({
        width: sw,
        height: sh,
        channels,
        left: rect.left * fx,
        top: rect.top * fy,
        cropWidth: rect.width * fx,
        cropHeight: rect.height * fy,
        outWidth: rect.outWidth,
        outHeight: rect.outHeight,
        kernel,
      });
    return { data, width: rect.outWidth, height: rect.outHeight, channels };
  }

  /** Frees the decompressor. */
  close(): void {
    this.#jpeg.close();
  }
}

function copyRect(
  source: Uint8Array,
  width: number,
  channels: number,
  rect: Rect,
): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height * channels);
  const row = rect.width * channels;
  for (let y = 0; y < rect.height; y++) {
    const from = ((rect.top + y) * width + rect.left) * channels;
    out.set(source.subarray(from, from + row), y * row);
  }
  return out;
}
