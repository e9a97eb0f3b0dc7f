/**
 * Debian's libturbojpeg (the libjpeg-turbo that PIL also decodes with)
 * through Deno's FFI: the header, and a decode at a DCT scale of 1/1, 1/2,
 * 1/4 or 1/8 straight into a caller's buffer. Private to lib/image.
 *
 * @module
 */

/** Where Debian's libturbojpeg0 puts the library on this architecture (the `ffi` permission names it). */
export const TURBOJPEG_PATH = `/usr/lib/${
  Deno.build.arch === "aarch64" ? "aarch64" : "x86_64"
}-linux-gnu/libturbojpeg.so.0`;

/** TurboJPEG colour spaces (TJCS_*). */
export const TJCS = { RGB: 0, YCbCr: 1, GRAY: 2, CMYK: 3, YCCK: 4 } as const;
/** TurboJPEG pixel formats used here (TJPF_*). */
const TJPF = { RGB: 0, GRAY: 6 } as const;

const SYMBOLS = {
  tjInitDecompress: { parameters: [], result: "pointer" },
  tjDestroy: { parameters: ["pointer"], result: "i32" },
  tjDecompressHeader3: {
    parameters: [
      "pointer",
      "buffer",
      "u64",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
  tjDecompress2: {
    parameters: [
      "pointer",
      "buffer",
      "u64",
      "buffer",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** A JPEG's header. */
export interface JpegHeader {
  /** Stored width and height (before any EXIF orientation). */
  width: number;
  height: number;
  /** One of {@linkcode TJCS}. */
  colorspace: number;
}

/** One decompressor (not thread-safe: one per thread). */
export class TurboJpeg {
  readonly #lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  readonly #handle: Deno.PointerValue;
  readonly #ints = new Int32Array(4);

  private constructor(lib: Deno.DynamicLibrary<typeof SYMBOLS>) {
    this.#lib = lib;
    this.#handle = lib.symbols.tjInitDecompress();
    if (this.#handle === null) {
      lib.close();
      throw new Error("Cannot start a libturbojpeg decompressor");
    }
  }

  /** Opens the library, or returns undefined when it is not installed or not permitted. */
  static open(path = TURBOJPEG_PATH): TurboJpeg | undefined {
    let lib;
    try {
      lib = Deno.dlopen(path, SYMBOLS);
    } catch {
      return undefined;
    }
    return new TurboJpeg(lib);
  }

  /** The header, or undefined when `jpeg` is not a JPEG libturbojpeg reads. */
  header(jpeg: Uint8Array): JpegHeader | undefined {
    const v = this.#ints;
    const ok = this.#lib.symbols.tjDecompressHeader3(
      this.#handle,
      jpeg,
      BigInt(jpeg.length),
      v.subarray(0, 1),
      v.subarray(1, 2),
      v.subarray(2, 3),
      v.subarray(3, 4),
    ) === 0;
    return ok ? { width: v[0], height: v[1], colorspace: v[3] } : undefined;
  }

  /**
   * Decodes at `width`×`height` (the header's size at one of the library's
   * scales, rounded up) into `out`, as grey or RGB. Returns false on any
   * error or warning (a truncated or corrupt stream).
   */
  decode(
    jpeg: Uint8Array,
    out: Uint8Array,
    width: number,
    height: number,
    grey: boolean,
  ): boolean {
    return this.#lib.symbols.tjDecompress2(
      this.#handle,
      jpeg,
      BigInt(jpeg.length),
      out,
      width,
      0,
      height,
      grey ? TJPF.GRAY : TJPF.RGB,
      0,
    ) === 0;
  }

  /** Frees the decompressor and closes the library. */
  close(): void {
    this.#lib.symbols.tjDestroy(this.#handle);
    this.#lib.close();
  }
}
