import assert from "node:assert/strict";
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  normalizationTable,
  writeNormalized,
} from "../../../lib/image/normalize.ts";

const table = normalizationTable();
const expected = (v: number, c: number) =>
  Math.fround((Math.fround(v / 255) - IMAGENET_MEAN[c]) / IMAGENET_STD[c]);

Deno.test("writeNormalized() maps known pixels to (x / 255 - mean) / std", () => {
  // 2x1 RGB: black, white.
  const out = new Float32Array(2 * 2 * 3).fill(NaN);
  const image = {
    data: new Uint8Array([0, 0, 0, 255, 255, 255, 10, 128, 200, 1, 2, 3]),
    width: 2,
    height: 2,
    channels: 3 as const,
  };
  writeNormalized(out, 0, image, { left: 0, top: 0, side: 2 }, table);
  const want = [0, 0, 0, 255, 255, 255, 10, 128, 200, 1, 2, 3].map((v, i) =>
    expected(v, i % 3)
  );
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Math.abs(out[i] - want[i]) < 1e-6,
      `${i}: ${out[i]} vs ${want[i]}`,
    );
  }
  assert.ok(Math.abs(out[0] - -2.1179039) < 1e-6); // black R
  assert.ok(Math.abs(out[5] - 2.64) < 1e-6); // white B: (1 - 0.406) / 0.225
});

Deno.test("writeNormalized() repeats grey into R, G and B and crops the window", () => {
  // 3x2 grey image, crop the 2x2 square at left = 1.
  const image = {
    data: new Uint8Array([0, 50, 100, 150, 200, 250]),
    width: 3,
    height: 2,
    channels: 1 as const,
  };
  const out = new Float32Array(3 + 2 * 2 * 3).fill(NaN);
  writeNormalized(out, 3, image, { left: 1, top: 0, side: 2 }, table);
  assert.ok(out.slice(0, 3).every(Number.isNaN), "writes only from `at`");
  const values = [50, 100, 200, 250];
  values.forEach((v, p) => {
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(out[3 + p * 3 + c] - expected(v, c)) < 1e-6);
    }
  });
});

Deno.test("writeNormalized() refuses a window outside the image", () => {
  const image = {
    data: new Uint8Array(12),
    width: 2,
    height: 2,
    channels: 3 as const,
  };
  assert.throws(
    () =>
      writeNormalized(new Float32Array(12), 0, image, {
        left: 1,
        top: 0,
        side: 2,
      }, table),
    RangeError,
  );
});
