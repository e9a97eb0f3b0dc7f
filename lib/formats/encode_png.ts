/**
 * A small lossless PNG encoder for 8-bit grey or RGB pixels (filter 0,
 * zlib deflate from node:zlib): enough to store IDX images losslessly in
 * TFRecord shards without loading sharp.
 *
 * @module
 */
import { crc32, deflateSync } from "node:zlib";

/**
 * Encodes `pixels` (row-major, `channels` bytes per pixel) as a PNG.
 *
 * @example A 2×1 grey image
 * ```ts
 * import { encodePng } from "./encode_png.ts";
 * const png = encodePng(new Uint8Array([0, 255]), { width: 2, height: 1, channels: 1 });
 * if (png[1] !== 0x50) throw new Error("not a PNG");
 * ```
 */
export function encodePng(
  pixels: Uint8Array,
  shape: { width: number; height: number; channels: 1 | 3 },
): Uint8Array {
  const { width, height, channels } = shape;
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new RangeError(
      `Cannot encode PNG: ${pixels.length} bytes do not make ${width}x${height}x${channels}`,
    );
  }
  // Each scanline is prefixed with its filter type (0 = none).
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(
      pixels.subarray(y * stride, (y + 1) * stride),
      y * (stride + 1) + 1,
    );
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: grey or RGB
  const chunks = [
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
  out.set(signature);
  let at = 8;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}
