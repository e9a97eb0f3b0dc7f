import assert from "node:assert/strict";
import { readImageHeader } from "../../../lib/formats/image_header.ts";
import { type ImageKind, makeImage } from "../../testdata/image_fixtures.ts";

Deno.test("readImageHeader() reads size and channels of every fixture kind", async () => {
  const expected: Record<ImageKind, [string, number]> = {
    "jpeg": ["jpeg", 3],
    "grey-jpeg": ["jpeg", 1],
    "cmyk-jpeg": ["jpeg", 4],
    "exif-rotated-jpeg": ["jpeg", 3],
    "png": ["png", 3],
    "rgba-png": ["png", 4],
    "grey-alpha-png": ["png", 2],
    "png16": ["png", 3],
    "palette-png": ["png", 3],
  };
  for (const [kind, [format, channels]] of Object.entries(expected)) {
    const header = readImageHeader(await makeImage(kind as ImageKind, 40, 24));
    assert.deepEqual(
      {
        format: header.format,
        width: header.width,
        height: header.height,
        channels: header.channels,
      },
      { format, width: 40, height: 24, channels },
      kind,
    );
  }
});

Deno.test("readImageHeader() applies the EXIF orientation to width and height", async () => {
  const header = readImageHeader(await makeImage("exif-rotated-jpeg", 40, 24));
  assert.equal(header.orientation, 6);
  assert.deepEqual([header.width, header.height], [40, 24]); // stored as 24x40
});

Deno.test("readImageHeader() rejects other formats and damaged headers", async () => {
  assert.throws(
    () => readImageHeader(new TextEncoder().encode("GIF89a....")),
    /neither JPEG nor PNG/,
  );
  assert.throws(() => readImageHeader(new Uint8Array()), SyntaxError);
  const jpeg = await makeImage("jpeg", 8, 8);
  assert.throws(
    () => readImageHeader(jpeg.subarray(0, 20)),
    /no start-of-frame/,
  );
  const png = await makeImage("png", 8, 8);
  assert.throws(
    () => readImageHeader(png.subarray(0, 20)),
    /ends inside the IHDR/,
  );
});
