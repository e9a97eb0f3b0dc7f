import assert from "node:assert/strict";
import {
  type AugmentSettings,
  drawAugment,
  randomResizedCrop,
  writeAugmented,
} from "../../../lib/image/augment.ts";
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  normalizationTable,
  type PixelImage,
  writeNormalized,
} from "../../../lib/image/normalize.ts";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";

const SETTINGS: AugmentSettings = {
  flip: true,
  scale: [0.35, 1],
  ratio: [3 / 4, 4 / 3],
  jitter: 0.2,
};

/** A W×H RGB image whose pixel (x, y) is (x, y, x + y) mod 256. */
function gradient(width: number, height: number): PixelImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = x % 256;
      data[i + 1] = y % 256;
      data[i + 2] = (x + y) % 256;
    }
  }
  return { data, width, height, channels: 3 };
}

Deno.test("randomResizedCrop() keeps inside the image, within the scale and ratio ranges", () => {
  for (let record = 0; record < 300; record++) {
    const [w, h] = record % 2 ? [120, 80] : [64, 96];
    const box = randomResizedCrop(
      w,
      h,
      keyedRandom(7, "augment", 0, record),
      SETTINGS.scale,
      SETTINGS.ratio,
    );
    assert.ok(box.left >= 0 && box.top >= 0);
    assert.ok(box.left + box.width <= w && box.top + box.height <= h);
    const share = (box.width * box.height) / (w * h);
    const aspect = box.width / box.height;
    // Rounding to whole pixels moves share and aspect a little.
    assert.ok(share >= 0.33 && share <= 1.0001, `share ${share}`);
    assert.ok(aspect >= 0.72 && aspect <= 1.39, `aspect ${aspect}`);
  }
});

Deno.test("randomResizedCrop() falls back to the largest centred box when no draw fits", () => {
  // A 100×10 strip cannot hold a box of aspect ≤ 4/3 with ≥ 90% of its area.
  const box = randomResizedCrop(100, 10, keyedRandom(1), [0.9, 1], [
    0.75,
    4 / 3,
  ]);
  assert.deepEqual(box, { left: 43, top: 0, width: 13, height: 10 });
});

Deno.test("drawAugment() is a function of the key: same seed, epoch and record give the same draw", () => {
  const image = { width: 90, height: 60 };
  const draw = (epoch: number, record: number) =>
    drawAugment(image, SETTINGS, keyedRandom(42, "augment", epoch, record));
  assert.deepEqual(draw(3, 17), draw(3, 17));
  assert.notDeepEqual(draw(3, 17), draw(4, 17));
  assert.notDeepEqual(draw(3, 17), draw(3, 18));
  const flips = Array.from({ length: 400 }, (_, r) => draw(0, r).flip);
  const share = flips.filter(Boolean).length / flips.length;
  assert.ok(share > 0.4 && share < 0.6, `flip share ${share}`);
  for (const f of draw(1, 1).jitter) assert.ok(f >= 0.8 && f <= 1.2);
  const none = drawAugment(
    image,
    { ...SETTINGS, flip: false, jitter: 0 },
    keyedRandom(1),
  );
  assert.deepEqual([none.flip, none.jitter], [false, [1, 1, 1]]);
});

Deno.test("writeAugmented() with the whole image at its own size, unflipped, unjittered, equals plain normalisation", () => {
  const image = gradient(12, 12);
  const plain = new Float32Array(12 * 12 * 3);
  writeNormalized(
    plain,
    0,
    image,
    { left: 0, top: 0, side: 12 },
    normalizationTable(),
  );
  const augmented = new Float32Array(12 * 12 * 3);
  writeAugmented(augmented, 0, image, 12, {
    box: { left: 0, top: 0, width: 12, height: 12 },
    flip: false,
    jitter: [1, 1, 1],
  });
  for (let i = 0; i < plain.length; i++) {
    assert.ok(Math.abs(plain[i] - augmented[i]) < 1e-5, `${i}`);
  }
});

Deno.test("writeAugmented() mirrors columns, resamples a box and scales brightness as drawn", () => {
  const image = gradient(8, 8);
  const at = (out: Float32Array, x: number, y: number, c: number) =>
    out[(y * 8 + x) * 3 + c] * IMAGENET_STD[c] * 255 + IMAGENET_MEAN[c] * 255;
  const flipped = new Float32Array(8 * 8 * 3);
  writeAugmented(flipped, 0, image, 8, {
    box: { left: 0, top: 0, width: 8, height: 8 },
    flip: true,
    jitter: [1, 1, 1],
  });
  assert.ok(Math.abs(at(flipped, 0, 2, 0) - 7) < 1e-3); // red = x of the source column 7
  assert.ok(Math.abs(at(flipped, 7, 2, 0) - 0) < 1e-3);
  // The 4×4 box at (2, 2) upsampled to 8×8: output pixel 1 samples source x = 2 + 1.5·0.5 − 0.5 = 2.25.
  const zoomed = new Float32Array(8 * 8 * 3);
  writeAugmented(zoomed, 0, image, 8, {
    box: { left: 2, top: 2, width: 4, height: 4 },
    flip: false,
    jitter: [1, 1, 1],
  });
  assert.ok(Math.abs(at(zoomed, 1, 0, 0) - 2.25) < 1e-3);
  // Brightness 1.5 on a flat grey of 100 → 150.
  const grey: PixelImage = {
    data: new Uint8Array(4 * 4).fill(100),
    width: 4,
    height: 4,
    channels: 1,
  };
  const bright = new Float32Array(4 * 4 * 3);
  writeAugmented(bright, 0, grey, 4, {
    box: { left: 0, top: 0, width: 4, height: 4 },
    flip: false,
    jitter: [1.5, 1, 1],
  });
  const value = bright[0] * IMAGENET_STD[0] * 255 + IMAGENET_MEAN[0] * 255;
  assert.ok(Math.abs(value - 150) < 1e-3, `${value}`);
});
