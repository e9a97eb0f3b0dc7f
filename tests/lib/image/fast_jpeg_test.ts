import assert from "node:assert/strict";
import sharp from "sharp";
import { FastJpegDecoder } from "../../../lib/image/_fast_jpeg.ts";
import {
  decodeShorterSide,
  decodeSquare,
} from "../../../lib/image/decode_image.ts";
import { squareCrop } from "../../../lib/image/square_crop.ts";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";
import { type ImageKind, makeImage } from "../../testdata/image_fixtures.ts";

const decoder = FastJpegDecoder.open();
const missing = decoder === undefined
  ? "libturbojpeg cannot be loaded (apt-get install libturbojpeg0)"
  : undefined;
if (missing) console.warn(`Skipping the fast JPEG path tests: ${missing}`);

/** Mean absolute difference. */
function mad(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** A photo-like JPEG: smooth colour field plus texture, `width`×`height`. */
async function photo(width: number, height: number): Promise<Uint8Array> {
  const px = new Uint8Array(width * height * 3);
  const rng = keyedRandom(1, "photo", width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      px[i] = 128 + 100 * Math.sin(x / 23) * Math.cos(y / 31) + rng.int(9);
      px[i + 1] = 128 + 90 * Math.cos((x + y) / 41) + rng.int(9);
      px[i + 2] = 60 + (x * 120) / width + rng.int(9);
    }
  }
  const out = await sharp(px, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 }).toBuffer();
  return new Uint8Array(out);
}

/** {@linkcode photo}, or the same photo re-encoded as a grey JPEG. */
async function testJpeg(
  width: number,
  height: number,
  grey: boolean,
): Promise<Uint8Array> {
  const colour = await photo(width, height);
  if (!grey) return colour;
  return new Uint8Array(
    await sharp(colour).toColourspace("b-w").jpeg({ quality: 90 }).toBuffer(),
  );
}

const request = (
  width: number,
  height: number,
  size: number,
  grey = false,
  seed?: number,
) => ({
  width,
  height,
  crop: squareCrop(
    width,
    height,
    seed === undefined ? "center" : keyedRandom(seed, "crop", 0, 1),
  ),
  size,
  kernel: "linear" as const,
  grey,
});

Deno.test({
  name:
    "FastJpegDecoder.decodeSquare() matches sharp's crop and resize on colour and grey JPEGs",
  ignore: missing !== undefined,
  async fn() {
    // [width, height, size]: upscale, no resize, downscale by < 2, and by 2–8x (DCT-scaled decode).
    for (
      const [w, h, size] of [[48, 32, 40], [64, 40, 40], [90, 60, 50], [
        400,
        300,
        64,
      ], [640, 480, 50]]
    ) {
      for (const grey of [false, true]) {
        const bytes = await testJpeg(w, h, grey);
        for (const seed of [undefined, 3]) {
          const fast = decoder!.decodeSquare(
            bytes,
            request(w, h, size, grey, seed),
          );
          assert.ok(
            fast,
            `${w}x${h} → ${size} grey ${grey}: took the fast path`,
          );
          const slow = await decodeSquare(bytes, {
            size,
            width: w,
            height: h,
            grey,
            placement: seed === undefined
              ? "center"
              : keyedRandom(seed, "crop", 0, 1),
          });
          assert.deepEqual(
            [fast.width, fast.height, fast.channels],
            [slow.width, slow.height, slow.channels],
          );
          // Both are libjpeg-turbo; the resamplers differ a little, DCT scaling a little more.
          const limit = size * 2 <= Math.min(w, h) ? 3 : 1.5;
          assert.ok(
            mad(fast.data, slow.data) < limit,
            `${w}x${h} → ${size} grey ${grey} seed ${seed}: mean abs diff ${
              mad(fast.data, slow.data)
            }`,
          );
        }
      }
    }
  },
});

Deno.test({
  name:
    "FastJpegDecoder.decodeWhole() gives sharp's pixels byte for byte, colour and grey, portrait and landscape",
  ignore: missing !== undefined,
  async fn() {
    for (const [w, h] of [[28, 28], [90, 60], [41, 97]]) {
      for (const grey of [false, true]) {
        const bytes = await testJpeg(w, h, grey);
        const r = { width: w, height: h, grey };
        const fast = decoder!.decodeWhole(bytes, r);
        assert.ok(fast, `${w}x${h} grey ${grey}: took the fast path`);
        // A request without a crop is the whole image.
        assert.deepEqual(decoder!.decode(bytes, r), fast);
        // sharp at the image's own shorter side resamples nothing either.
        const slow = await decodeShorterSide(bytes, {
          ...r,
          size: Math.min(w, h),
        });
        assert.deepEqual(fast, slow, `${w}x${h} grey ${grey}`);
      }
    }
    // What sharp treats specially stays sharp's here too.
    const cmyk = await makeImage("cmyk-jpeg", 48, 32);
    assert.equal(
      decoder!.decodeWhole(cmyk, { width: 48, height: 32, grey: false }),
      undefined,
    );
  },
});

Deno.test({
  name:
    "FastJpegDecoder.decodeSquare() leaves to sharp every image sharp treats specially",
  ignore: missing !== undefined,
  async fn() {
    const [w, h] = [48, 32];
    const sharpsKinds: ImageKind[] = [
      "cmyk-jpeg",
      "exif-rotated-jpeg",
      "png",
      "rgba-png",
      "grey-alpha-png",
      "png16",
      "palette-png",
    ];
    for (const kind of sharpsKinds) {
      assert.equal(
        decoder!.decodeSquare(await makeImage(kind, w, h), request(w, h, 32)),
        undefined,
        kind,
      );
    }
    const jpeg = await makeImage("jpeg", w, h);
    assert.ok(decoder!.decodeSquare(jpeg, request(w, h, 32)));
    // Truncated data: a libjpeg warning; sharp decides (it fails, as before).
    const truncated = jpeg.slice(0, Math.floor(jpeg.length * 0.6));
    assert.equal(
      decoder!.decodeSquare(truncated, request(w, h, 32)),
      undefined,
    );
    // An embedded ICC profile other than sRGB (sharp converts to sRGB with it).
    const p3 = new Uint8Array(
      await sharp(jpeg).withIccProfile("p3").jpeg().toBuffer(),
    );
    assert.equal(decoder!.decodeSquare(p3, request(w, h, 32)), undefined);
    // An sRGB profile changes nothing: the fast path takes it.
    const srgb = new Uint8Array(
      await sharp(jpeg).withIccProfile("srgb").jpeg().toBuffer(),
    );
    const fast = decoder!.decodeSquare(srgb, request(w, h, 32))!;
    const slow = await decodeSquare(srgb, {
      size: 32,
      width: w,
      height: h,
      placement: "center",
    });
    assert.ok(
      mad(fast.data, slow.data) < 1,
      `srgb: ${mad(fast.data, slow.data)}`,
    );
    // The index's size disagrees with the image (sharp reports it).
    assert.equal(decoder!.decodeSquare(jpeg, request(w + 1, h, 32)), undefined);
    // A colour JPEG asked for as one grey channel (sharp converts it).
    assert.equal(
      decoder!.decodeSquare(jpeg, request(w, h, 32, true)),
      undefined,
    );
    assert.equal(
      decoder!.decodeSquare(new Uint8Array([1, 2, 3]), request(w, h, 32)),
      undefined,
    );
  },
});

Deno.test({
  name: "FastJpegDecoder.decodeSquare() is deterministic",
  ignore: missing !== undefined,
  async fn() {
    const bytes = await photo(333, 250);
    const r = request(333, 250, 96, false, 9);
    const a = decoder!.decodeSquare(bytes, r)!;
    const b = decoder!.decodeSquare(bytes, r)!;
    assert.deepEqual(a, b);
    const fresh = FastJpegDecoder.open()!;
    assert.deepEqual(fresh.decodeSquare(bytes, r), a);
    fresh.close();
  },
});
