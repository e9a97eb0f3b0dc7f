/**
 * The crop-and-resize of the fast JPEG path, on the SIMD module compiled
 * from `wasm/resize.c`: a rectangle of 8-bit grey or RGB pixels (fractional
 * edges allowed) resized with one of sharp's kernels, antialiased when it
 * shrinks. The source is written straight into the module's memory (see
 * {@linkcode Resizer.source}). Private to lib/image.
 *
 * @module
 */
import { RESIZE_WASM_BASE64 } from "./_resize_wasm_bytes.ts";
import type { ResizeKernel } from "./decode_image.ts";

/** Kernel codes, in the order of the enum in resize.c. */
const KERNELS: readonly ResizeKernel[] = [
  "nearest",
  "linear",
  "cubic",
  "mitchell",
  "lanczos2",
  "lanczos3",
];

interface ResizeExports {
  max_taps(kernel: number, len: number, out: number): number;
  resize_u8(...args: number[]): void;
  resize_linear_u8(...args: number[]): void;
}

/** A source rectangle and the output to resize it to. */
export interface ResizeRequest {
  /** Source width, height and channels (1 or 3), as written by {@linkcode Resizer.source}. */
  width: number;
  height: number;
  channels: 1 | 3;
  /** The rectangle in source pixels (may be fractional). */
  left: number;
  top: number;
  cropWidth: number;
  cropHeight: number;
  /** Output size. */
  outWidth: number;
  outHeight: number;
  /** Resampling kernel. */
  kernel: ResizeKernel;
}

/** One instance of the resampler, on a memory of its own. */
export class Resizer {
  readonly #memory = new WebAssembly.Memory({ initial: 16 });
  readonly #exports: ResizeExports;
  /** Source bytes reserved by the last {@linkcode source} call. */
  #sourceBytes = 0;

  constructor() {
    const bytes = Uint8Array.from(
      atob(RESIZE_WASM_BASE64),
      (c) => c.charCodeAt(0),
    );
    this.#exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: { memory: this.#memory },
    }).exports as unknown as ResizeExports;
  }

  /** A view of `bytes` bytes of source space in the module's memory, valid until the next call. */
  source(bytes: number): Uint8Array {
    this.#reserve(SOURCE_AT + bytes + 16);
    this.#sourceBytes = bytes;
    return new Uint8Array(this.#memory.buffer, SOURCE_AT, bytes);
  }

  /** Resizes the rectangle of the current source; returns a copy of the output pixels. */
  resize(r: ResizeRequest): Uint8Array {
    const kernel = KERNELS.indexOf(r.kernel);
    if (kernel < 0) throw new RangeError(`Unknown resize kernel "${r.kernel}"`);
    if (r.width * r.height * r.channels > this.#sourceBytes) {
      throw new RangeError(
        `Cannot resize a ${r.width}x${r.height}x${r.channels} source: only ${this.#sourceBytes} bytes were written`,
      );
    }
    const ex = this.#exports;
    const xtaps = ex.max_taps(kernel, r.cropWidth, r.outWidth);
    const ytaps = ex.max_taps(kernel, r.cropHeight, r.outHeight);
    const spanFloats = (Math.ceil(r.left + r.cropWidth) - Math.floor(r.left) +
          1) * r.channels + 4;
    let top = SOURCE_AT + Math.ceil((this.#sourceBytes + 16) / 16) * 16;
    const place = (bytes: number) => {
      const at = top;
      top += Math.ceil(bytes / 16) * 16;
      return at;
    };
    const { outWidth: ow, outHeight: oh } = r;
    // The output is padded: the RGB fixed-point pass stores 16 bytes per 4 pixels.
    const out = place(ow * oh * r.channels + 16);
    const args = [
      SOURCE_AT,
      r.width,
      r.height,
      r.channels,
      r.left,
      r.top,
      r.cropWidth,
      r.cropHeight,
      ow,
      oh,
    ];
    if (kernel === LINEAR) {
      const pairs = Math.ceil(xtaps / 2);
      const scratch = [
        place(ow * 4), // xfirst
        place(ow * 4), // xpairs
        place(ow * pairs * 16), // xw
        place(oh * 4), // yfirst
        place(oh * 4), // ycount
        place(oh * ytaps * 2), // yw
        place(spanFloats * 4), // rows (int16, padded)
        place(ow * 4), // xcount
        place(ow * xtaps * 4), // xf
        place(oh * ytaps * 4), // yf
      ];
      this.#reserve(top);
      ex.resize_linear_u8(...args, xtaps, ytaps, out, ...scratch);
    } else {
      const scratch = [
        place(ow * 4), // xfirst
        place(ow * 4), // xcount
        place(ow * xtaps * 4), // xw
        place(oh * 4), // yfirst
        place(oh * 4), // ycount
        place(oh * ytaps * 4), // yw
        place(spanFloats * 4), // rows
        place((ow * r.channels + 4) * 4), // line
      ];
      this.#reserve(top);
      ex.resize_u8(...args, kernel, xtaps, ytaps, out, ...scratch);
    }
    return new Uint8Array(
      this.#memory.buffer,
      out,
      r.outWidth * r.outHeight * r.channels,
    ).slice();
  }

  #reserve(bytes: number): void {
    const have = this.#memory.buffer.byteLength;
    if (bytes > have) this.#memory.grow(Math.ceil((bytes - have) / 65536));
  }
}

/** Where the source starts in the module's memory (the module owns none of it). */
const SOURCE_AT = 64;
/** The code of the linear kernel, which has a fixed-point path of its own. */
const LINEAR = 1;
