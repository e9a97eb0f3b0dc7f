/**
 * Test images made with sharp at test time (no binary fixtures): a colour
 * pattern whose pixels are known, in the odd forms real datasets contain.
 *
 * @module
 */
import sharp from "sharp";
import { encodeExample } from "../../lib/tfrecord/example.ts";
import { TfRecordWriter } from "../../lib/tfrecord/tfrecord_writer.ts";

/** A known RGB pattern: R grows with x, G with y, B constant 100. */
export function pattern(width: number, height: number): Uint8Array {
  const px = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      px[i] = Math.round((x * 255) / Math.max(1, width - 1));
      px[i + 1] = Math.round((y * 255) / Math.max(1, height - 1));
      px[i + 2] = 100;
    }
  }
  return px;
}

function raw(width: number, height: number) {
  return sharp(pattern(width, height), { raw: { width, height, channels: 3 } });
}

const bytes = (
  b: { buffer: ArrayBufferLike; byteOffset: number; length: number },
) => new Uint8Array(b.buffer, b.byteOffset, b.length).slice();

/** The kinds of image {@linkcode makeImage} produces. */
export type ImageKind =
  | "jpeg"
  | "grey-jpeg"
  | "cmyk-jpeg"
  | "exif-rotated-jpeg"
  | "png"
  | "rgba-png"
  | "grey-alpha-png"
  | "png16"
  | "palette-png";

/**
 * An encoded `width`×`height` image of {@linkcode pattern}. For
 * `exif-rotated-jpeg` the stored pixels are rotated 90° anticlockwise and the
 * EXIF orientation (6) says to rotate them back, so it displays as the pattern.
 */
export async function makeImage(
  kind: ImageKind,
  width: number,
  height: number,
): Promise<Uint8Array> {
  switch (kind) {
    case "jpeg":
      return bytes(await raw(width, height).jpeg({ quality: 95 }).toBuffer());
    case "grey-jpeg":
      return bytes(
        await raw(width, height).toColourspace("b-w").jpeg({ quality: 95 })
          .toBuffer(),
      );
    case "cmyk-jpeg":
      return bytes(
        await raw(width, height).toColourspace("cmyk").jpeg({ quality: 95 })
          .toBuffer(),
      );
    case "exif-rotated-jpeg": {
      const stored = await raw(width, height).rotate(270).raw().toBuffer({
        resolveWithObject: true,
      });
      return bytes(
        await sharp(stored.data, {
          raw: { width: height, height: width, channels: 3 },
        })
          .jpeg({ quality: 95 })
          .withMetadata({ orientation: 6 })
          .toBuffer(),
      );
    }
    case "png":
      return bytes(await raw(width, height).png().toBuffer());
    case "rgba-png":
      return bytes(await raw(width, height).ensureAlpha(0.5).png().toBuffer());
    case "grey-alpha-png":
      return bytes(
        await raw(width, height).toColourspace("b-w").ensureAlpha().png()
          .toBuffer(),
      );
    case "png16":
      return bytes(
        await raw(width, height).toColourspace("rgb16").png().toBuffer(),
      );
    case "palette-png":
      return bytes(await raw(width, height).png({ palette: true }).toBuffer());
  }
}

/** One record to write with {@linkcode writeShard}. */
export interface FixtureRecord {
  /** Encoded image bytes. */
  image: Uint8Array;
  /** Label. */
  label: number;
}

/** Writes records in the notebook's schema; returns each record's offset. */
export async function writeShard(
  path: string,
  records: FixtureRecord[],
): Promise<number[]> {
  const writer = await TfRecordWriter.create(path);
  const offsets: number[] = [];
  for (const r of records) {
    const meta = await sharp(r.image).metadata();
    const written = await writer.write(encodeExample({
      image: { kind: "bytes", value: [r.image] },
      label: { kind: "int64", value: [r.label] },
      width: { kind: "int64", value: [meta.width ?? 0] },
      height: { kind: "int64", value: [meta.height ?? 0] },
    }));
    offsets.push(written.offset);
  }
  await writer.close();
  return offsets;
}

/** Gzipped IDX bytes of unsigned bytes with `shape`. */
export async function idxGz(
  shape: number[],
  data: Uint8Array,
): Promise<Uint8Array> {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  out.set([0, 0, 8, shape.length]);
  const view = new DataView(out.buffer);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * shape.length);
  const stream = new Blob([out]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
