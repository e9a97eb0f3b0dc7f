/**
 * Which decoder stream mode uses on this machine, and the fact that goes
 * into the decode stage's cache key: libturbojpeg (Debian's libturbojpeg0)
 * when it loads, else sharp.
 *
 * @module
 */
import { FastJpegDecoder } from "./_fast_jpeg.ts";
import { TURBOJPEG_PATH } from "./_turbojpeg.ts";
import type { JpegDecoder } from "./image_dataset.ts";

export { TURBOJPEG_PATH };

/** `turbojpeg` when libturbojpeg loads here (the `ffi` permission names it), else `sharp`. */
export function availableJpegDecoder(): JpegDecoder {
  const decoder = FastJpegDecoder.open();
  decoder?.close();
  return decoder ? "turbojpeg" : "sharp";
}

/**
 * The library file libturbojpeg's name resolves to here (`libturbojpeg.so.0.2.0`),
 * or `none`. Loads nothing: a facts probe may only read, and it needs read
 * permission for {@linkcode TURBOJPEG_PATH}.
 */
export function jpegDecoderFact(): string {
  try {
    return Deno.readLinkSync(TURBOJPEG_PATH).split("/").pop()!;
  } catch {
    try {
      return Deno.statSync(TURBOJPEG_PATH).isFile
        ? "libturbojpeg.so.0"
        : "none";
    } catch {
      return "none";
    }
  }
}
