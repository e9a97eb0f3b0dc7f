import assert from "node:assert/strict";
import {
  decodeShorterSide,
  decodeSquare,
} from "../../../lib/image/decode_image.ts";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";
import {
  type ImageKind,
  makeImage,
  pattern,
} from "../../testdata/image_fixtures.ts";

const KINDS: ImageKind[] = [
  "jpeg",
  "grey-jpeg",
  "cmyk-jpeg",
  "exif-rotated-jpeg",
  "png",
  "rgba-png",
  "grey-alpha-png",
  "png16",
  "palette-png",
];

/** Mean absolute difference of two uint8 arrays. */
function mad(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

Deno.test("decodeSquare() gives upright 3-channel RGB for every odd image kind", async () => {
  const [w, h] = [48, 32];
  // Centre crop of a 48x32 pattern at full size: columns 8..39.
  const full = pattern(w, h);
  const want = new Uint8Array(32 * 32 * 3);
  for (let y = 0; y < 32; y++) {
    want.set(full.subarray((y * w + 8) * 3, (y * w + 40) * 3), y * 32 * 3);
  }
  for (const kind of KINDS) {
    const image = await decodeSquare(await makeImage(kind, w, h), {
      size: 32,
      width: w,
      height: h,
      placement: "center",
    });
    assert.deepEqual(
      [image.width, image.height, image.channels, image.data.length],
      [32, 32, 3, 32 * 32 * 3],
      kind,
    );
    if (kind.startsWith("grey")) {
      // Grey sources: R = G = B.
      for (let i = 0; i < image.data.length; i += 3) {
        assert.ok(
          image.data[i] === image.data[i + 1] &&
            image.data[i + 1] === image.data[i + 2],
          kind,
        );
      }
    } else if (kind !== "cmyk-jpeg") {
      // Colour, orientation and crop match the pattern (JPEG/palette loss only).
      assert.ok(
        mad(image.data, want) < 6,
        `${kind}: mean abs diff ${mad(image.data, want)}`,
      );
    } else {
      // CMYK goes through a profile conversion: colours shift, but the gradient direction stays.
      const left = image.data[(16 * 32 + 1) * 3];
      const right = image.data[(16 * 32 + 30) * 3];
      assert.ok(right > left + 100, `cmyk: R ${left} -> ${right}`);
    }
  }
});

Deno.test("decodeSquare() crops at the drawn offset and resizes to the requested size", async () => {
  const [w, h] = [64, 40];
  const jpeg = await makeImage("png", w, h);
  const random = () => keyedRandom(3, "crop", 0, 5);
  const offset = random().int(w - h);
  const image = await decodeSquare(jpeg, {
    size: 20,
    width: w,
    height: h,
    placement: random(),
  });
  assert.deepEqual([image.width, image.height], [20, 20]);
  // Red grows with x: the crop's left column has R ≈ offset·255/63.
  const expectedLeft = (offset * 255) / (w - 1);
  assert.ok(
    Math.abs(image.data[10 * 20 * 3] - expectedLeft) < 8,
    `R ${image.data[10 * 20 * 3]} vs ${expectedLeft}`,
  );
});

Deno.test("decodeSquare() with shrinkOnLoad resizes first and keeps the output shape", async () => {
  const jpeg = await makeImage("jpeg", 400, 200);
  const image = await decodeSquare(jpeg, {
    size: 50,
    width: 400,
    height: 200,
    placement: "center",
    shrinkOnLoad: true,
  });
  assert.deepEqual([image.width, image.height, image.channels], [50, 50, 3]);
  const plain = await decodeSquare(jpeg, {
    size: 50,
    width: 400,
    height: 200,
    placement: "center",
  });
  assert.ok(
    mad(image.data, plain.data) < 4,
    `differs by ${mad(image.data, plain.data)}`,
  );
});

Deno.test("decodeShorterSide() keeps the aspect ratio and can return one grey channel", async () => {
  const image = await decodeShorterSide(
    await makeImage("exif-rotated-jpeg", 60, 30),
    {
      size: 20,
      width: 60,
      height: 30,
    },
  );
  assert.deepEqual([image.width, image.height, image.channels], [40, 20, 3]);
  const grey = await decodeShorterSide(await makeImage("grey-jpeg", 30, 60), {
    size: 15,
    width: 30,
    height: 60,
    grey: true,
  });
  assert.deepEqual([grey.width, grey.height, grey.channels, grey.data.length], [
    15,
    30,
    1,
    15 * 30,
  ]);
});

Deno.test("decodeSquare() rejects bytes that are not an image", async () => {
  await assert.rejects(
    decodeSquare(new Uint8Array([1, 2, 3]), {
      size: 8,
      width: 8,
      height: 8,
      placement: "center",
    }),
  );
});
