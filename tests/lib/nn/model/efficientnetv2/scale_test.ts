import assert from "node:assert/strict";
import {
  roundFilters,
  roundRepeats,
  scaleVariant,
} from "../../../../../lib/nn/model/efficientnetv2/scale.ts";
import { EFFICIENTNETV2_VARIANTS } from "../../../../../lib/nn/model/efficientnetv2/variants.ts";
import { VariantError } from "../../../../../lib/nn/model/efficientnetv2/variant_error.ts";

Deno.test("roundFilters() rounds to the nearest multiple of 8, never below 8", () => {
  assert.equal(roundFilters(1280, 1.1), 1408);
  assert.equal(roundFilters(1280, 1.2), 1536);
  assert.equal(roundFilters(24, 1.2), 32); // 28.8 + 4 → 32
  assert.equal(roundFilters(16, 1.1), 16); // 17.6 + 4 → 16
  assert.equal(roundFilters(112, 1.1), 120); // 123.2 + 4 → 120
  assert.equal(roundFilters(16, 0.5), 8);
  assert.equal(roundFilters(8, 0.25), 8);
});

Deno.test("roundRepeats() rounds the scaled depth up", () => {
  assert.equal(roundRepeats(2, 1.1), 3);
  assert.equal(roundRepeats(8, 1.4), 12);
  assert.equal(roundRepeats(1, 1.0), 1);
  assert.equal(roundRepeats(5, 0.5), 3);
});

Deno.test("scaleVariant() chains stage widths and applies overrides", () => {
  const b3 = scaleVariant(EFFICIENTNETV2_VARIANTS.b3);
  assert.equal(b3.stemFilters, 40);
  assert.equal(b3.topFilters, 1536);
  assert.deepEqual(b3.stages.map((s) => s.repeats), [2, 3, 3, 5, 7, 12]);
  assert.deepEqual(b3.stages.map((s) => s.outFilters), [
    16,
    40,
    56,
    112,
    136,
    232,
  ]);
  assert.deepEqual(b3.stages.map((s) => s.inFilters), [
    40,
    16,
    40,
    56,
    112,
    136,
  ]);
  const half = scaleVariant(EFFICIENTNETV2_VARIANTS.b0, {
    width: 0.5,
    depth: 0.5,
  });
  assert.equal(half.width, 0.5);
  assert.deepEqual(half.stages.map((s) => s.outFilters), [
    8,
    16,
    24,
    48,
    56,
    96,
  ]);
  assert.throws(
    () => scaleVariant(EFFICIENTNETV2_VARIANTS.b0, { width: -1 }),
    VariantError,
  );
});
