import assert from "node:assert/strict";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";
import { squareCrop } from "../../../lib/image/square_crop.ts";

Deno.test("squareCrop() draws offsets along the longer side uniformly from [0, long - short)", () => {
  for (const [width, height] of [[50, 40], [40, 50]]) {
    const seen = new Set<number>();
    for (let record = 0; record < 2000; record++) {
      const crop = squareCrop(width, height, keyedRandom(1, "crop", 0, record));
      assert.equal(crop.side, 40);
      const [offset, fixed] = width > height
        ? [crop.left, crop.top]
        : [crop.top, crop.left];
      assert.equal(fixed, 0);
      assert.ok(offset >= 0 && offset < 10, `offset ${offset}`);
      seen.add(offset);
    }
    // Every offset 0..9 occurs; 10 (= long - short, maxval) never does.
    assert.deepEqual([...seen].sort((a, b) => a - b), [
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
    ]);
  }
});

Deno.test("squareCrop() does not crop a square image and centres in eval", () => {
  assert.deepEqual(squareCrop(32, 32, keyedRandom(1)), {
    left: 0,
    top: 0,
    side: 32,
  });
  assert.deepEqual(squareCrop(640, 480, "center"), {
    left: 80,
    top: 0,
    side: 480,
  });
  assert.deepEqual(squareCrop(480, 641, "center"), {
    left: 0,
    top: 80,
    side: 480,
  });
});

Deno.test("squareCrop() is a function of the keyed random source", () => {
  const a = squareCrop(1000, 300, keyedRandom(7, "crop", 2, 99));
  const b = squareCrop(1000, 300, keyedRandom(7, "crop", 2, 99));
  const others = [3, 4, 5, 6].map((epoch) =>
    squareCrop(1000, 300, keyedRandom(7, "crop", epoch, 99)).left
  );
  assert.deepEqual(a, b);
  assert.ok(others.some((left) => left !== a.left));
});
