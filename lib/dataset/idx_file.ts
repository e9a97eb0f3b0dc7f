/**
 * IDX files (the MNIST / Fashion-MNIST format), optionally gzip-compressed:
 * `u8 0, u8 0, u8 type, u8 dims, u32be size × dims, data`.
 *
 * @module
 */
import { SourceError } from "./source_error.ts";

/** An IDX array of unsigned bytes. */
export interface IdxArray {
  /** The dimensions, outermost first (e.g. [60000, 28, 28]). */
  shape: number[];
  /** The values, row-major. */
  data: Uint8Array;
}

const HINT =
  "Expected an MNIST-style IDX file of unsigned bytes (type 0x08), plain or .gz";

/**
 * Reads an IDX file of unsigned bytes; `.gz` files are decompressed.
 *
 * @throws {SourceError} when the file is not an IDX array of unsigned bytes
 */
export async function readIdx(path: string): Promise<IdxArray> {
  let bytes = await Deno.readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const stream = new Blob([bytes]).stream().pipeThrough(
      new DecompressionStream("gzip"),
    );
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  if (
    bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08
  ) {
    throw new SourceError(
      `Cannot read IDX file: the magic number is not that of unsigned bytes (0x0000 08xx)`,
      { file: path },
      HINT,
    );
  }
  const dims = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const shape = Array.from(
    { length: dims },
    (_, i) => view.getUint32(4 + 4 * i),
  );
  const start = 4 + 4 * dims;
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length < start + count) {
    throw new SourceError(
      `Cannot read IDX file: shape ${
        JSON.stringify(shape)
      } needs ${count} bytes, the file holds ${bytes.length - start}`,
      { file: path },
      HINT,
    );
  }
  return { shape, data: bytes.subarray(start, start + count) };
}
