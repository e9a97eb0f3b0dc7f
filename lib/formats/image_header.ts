/**
 * Reads the size of a JPEG or PNG image from its header, without decoding
 * pixels: enough to validate a record and to plan its crop.
 *
 * @module
 */

/** What an image header says. */
export interface ImageHeader {
  /** The container format. */
  format: "jpeg" | "png";
  /** Width as displayed, after the EXIF orientation is applied. */
  width: number;
  /** Height as displayed, after the EXIF orientation is applied. */
  height: number;
  /** Colour components: 1 grey, 3 colour, 4 CMYK (JPEG); with alpha for PNG (2, 4). */
  channels: number;
  /** The EXIF orientation (1–8; 1 when absent). Values 5–8 swap width and height. */
  orientation: number;
}

/**
 * Reads the header of JPEG or PNG bytes.
 *
 * @throws {SyntaxError} when the bytes are neither, or the header is damaged
 *
 * @example A PNG header
 * ```ts
 * import { readImageHeader } from "./image_header.ts";
 * const png = new Uint8Array(33);
 * png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
 * png.set([0, 0, 0, 28, 0, 0, 0, 28, 8, 0], 16);
 * const header = readImageHeader(png);
 * if (header.width !== 28 || header.channels !== 1) throw new Error("bad header");
 * ```
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    return readJpegHeader(bytes);
  }
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    return readPngHeader(bytes);
  }
  const head = [...bytes.subarray(0, 4)].map((b) =>
    b.toString(16).padStart(2, "0")
  )
    .join(" ");
  throw new SyntaxError(
    `Cannot read image header: the bytes are neither JPEG nor PNG (they start with "${head}")`,
  );
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

function readPngHeader(bytes: Uint8Array): ImageHeader {
  if (bytes.length < 33) throw damaged("PNG", "it ends inside the IHDR chunk");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== "IHDR") {
    throw damaged("PNG", `the first chunk is "${type}", not "IHDR"`);
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const channels = PNG_CHANNELS[bytes[25]];
  if (width === 0 || height === 0 || channels === undefined) {
    throw damaged(
      "PNG",
      `IHDR says ${width}x${height}, colour type ${bytes[25]}`,
    );
  }
  return { format: "png", width, height, channels, orientation: 1 };
}

/** Start-of-frame markers (C0–CF except DHT C4, JPG C8 and DAC CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 &&
    marker !== 0xc8 && marker !== 0xcc;
}

function readJpegHeader(bytes: Uint8Array): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let orientation = 1;
  let pos = 2;
  while (pos < bytes.length) {
    if (bytes[pos] !== 0xff) {
      throw damaged(
        "JPEG",
        `expected a marker at byte ${pos}, found 0x${bytes[pos].toString(16)}`,
      );
    }
    while (pos < bytes.length && bytes[pos] === 0xff) pos++; // fill bytes
    const marker = bytes[pos++];
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9 || marker === 0xda || pos + 2 > bytes.length) break;
    const length = view.getUint16(pos);
    const end = pos + length;
    if (length < 2 || end > bytes.length) break;
    if (isStartOfFrame(marker)) {
      if (length < 8) {
        throw damaged("JPEG", `start-of-frame segment of ${length} bytes`);
      }
      const height = view.getUint16(pos + 3);
      const width = view.getUint16(pos + 5);
      const channels = bytes[pos + 7];
      if (width === 0 || height === 0 || channels === 0) {
        throw damaged(
          "JPEG",
          `start of frame says ${width}x${height} with ${channels} components`,
        );
      }
      const swap = orientation >= 5;
      return {
        format: "jpeg",
        width: swap ? height : width,
        height: swap ? width : height,
        channels,
        orientation,
      };
    }
    if (marker === 0xe1) {
      orientation = exifOrientation(bytes, pos + 2, end) ?? orientation;
    }
    pos = end;
  }
  throw damaged("JPEG", "no start-of-frame segment before the image data");
}

/** The Orientation tag (0x0112) of IFD0 in an APP1 Exif segment, if any. */
function exifOrientation(
  bytes: Uint8Array,
  start: number,
  end: number,
): number | undefined {
  const exif = [0x45, 0x78, 0x69, 0x66, 0, 0];
  if (end - start < 14 || !exif.every((b, i) => bytes[start + i] === b)) {
    return undefined;
  }
  const tiff = start + 6;
  const view = new DataView(bytes.buffer, bytes.byteOffset + tiff, end - tiff);
  const little = bytes[tiff] === 0x49; // "II" little-endian, "MM" big-endian
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > view.byteLength) return undefined;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (entry + 12 > view.byteLength) return undefined;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

function damaged(format: string, problem: string): SyntaxError {
  return new SyntaxError(`Cannot read ${format} header: ${problem}`);
}
