import assert from "node:assert/strict";
import { SPLIT_CODES } from "../../../lib/dataset/record_index.ts";
import { stratifiedSplit } from "../../../lib/dataset/stratified_split.ts";

// 5 classes of 100, 40, 7, 1 and 250 records, interleaved.
const sizes = [100, 40, 7, 1, 250];
const labels = Int32Array.from(sizes.flatMap((n, c) => Array(n).fill(c)));
const shuffled = Int32Array.from(
  [...labels].sort((a, b) => ((a * 7919 + b) % 13) - 6),
);

Deno.test("stratifiedSplit() holds out round(n · fraction) of each class", () => {
  const split = stratifiedSplit(shuffled, { fraction: 0.2, seed: 42 });
  sizes.forEach((n, c) => {
    const held = [...split].filter((s, i) =>
      s === SPLIT_CODES.holdout && shuffled[i] === c
    ).length;
    assert.equal(held, Math.round(n * 0.2), `class ${c}`);
  });
});

Deno.test("stratifiedSplit() depends only on labels and seed", () => {
  const a = stratifiedSplit(labels, { fraction: 0.1, seed: 1 });
  const b = stratifiedSplit(labels, { fraction: 0.1, seed: 1 });
  const c = stratifiedSplit(labels, { fraction: 0.1, seed: 2 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(
    a.filter((s) => s === 1).length,
    c.filter((s) => s === 1).length,
  );
});

Deno.test("stratifiedSplit() leaves ineligible records alone and checks the fraction", () => {
  const eligible = new Uint8Array(labels.length);
  eligible.fill(SPLIT_CODES.excluded, 0, 50); // half of class 0
  const split = stratifiedSplit(labels, { fraction: 0.5, seed: 3, eligible });
  assert.ok(split.subarray(0, 50).every((s) => s === SPLIT_CODES.excluded));
  assert.equal(
    split.subarray(50, 100).filter((s) => s === SPLIT_CODES.holdout).length,
    25,
  );
  assert.throws(
    () => stratifiedSplit(labels, { fraction: 1, seed: 0 }),
    RangeError,
  );
});
