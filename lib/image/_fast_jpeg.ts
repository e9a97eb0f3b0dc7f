/**
 * The fast path of a square crop: libturbojpeg decodes a plain JPEG at the
 * smallest DCT scale (1/2, 1/4, 1/8) that keeps the crop at least `size`
 * pixels wide, straight into the resampler's memory, which crops and
 * resizes it. Anything sharp would treat differently (EXIF orientation,
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

/** A square crop to decode, already placed. */
export interface FastSquareRequest {
  /** Upright width and height from the index. */
  width: number;
  height: number;
  /** The square in source pixels. */
  crop: SquareCrop;
  /** Output side. */
  size: number;
  /** Resampling kernel. */
  kernel: ResizeKernel;
  /** One grey channel instead of RGB. */
  grey: boolean;
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

  /** The crop as uint8 pixels, or undefined when this image is sharp's to decode. */
  decodeSquare(
    bytes: Uint8Array,
    r: FastSquareRequest,
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
    while (scale > 1 && r.crop.side / scale < r.size) scale >>= 1;
    // TJSCALED: the library rounds scaled sizes up.
    const sw = Math.ceil(r.width / scale), sh = Math.ceil(r.height / scale);
    const source = this.#resizer.source(sw * sh * channels);
    if (!this.#jpeg.decode(bytes, source, sw, sh, r.grey)) return undefined;
    const { left, top, side } = r.crop;
    const fx = sw / r.width, fy = sh / r.height;
    const data = scale === 1 && side === r.size
      ? copySquare(source, sw, channels, left, top, side)
      : this.#resizer.resize({
        width: sw,
        height: sh,
        channels,
        left: left * fx,
        top: top * fy,
        cropWidth: side * fx,
        cropHeight: side * fy,
        outWidth: r.size,
        outHeight: r.size,
        kernel: r.kernel,
      });
    return { data, width: r.size, height: r.size, channels };
  }

  /** Frees the decompressor. */
  close(): void {
    this.#jpeg.close();
  }
}

function copySquare(
  source: Uint8Array,
  width: number,
  channels: number,
  left: number,
  top: number,
  side: number,
): Uint8Array {
  const out = new Uint8Array(side * side * channels);
  const row = side * channels;
  for (let y = 0; y < side; y++) {
    const from = ((top + y) * width + left) * channels;
    out.set(source.subarray(from, from + row), y * row);
  }
  return out;
}
