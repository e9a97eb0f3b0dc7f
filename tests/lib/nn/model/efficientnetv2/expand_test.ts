import assert from "node:assert/strict";
import {
  expandBlocks,
  repeatLetter,
} from "../../../../../lib/nn/model/efficientnetv2/expand.ts";
import { scaleVariant } from "../../../../../lib/nn/model/efficientnetv2/scale.ts";
import { EFFICIENTNETV2_VARIANTS } from "../../../../../lib/nn/model/efficientnetv2/variants.ts";

Deno.test("expandBlocks() names blocks by stage and repeat like Keras", () => {
  const blocks = expandBlocks(scaleVariant(EFFICIENTNETV2_VARIANTS.s));
  assert.equal(blocks.length, 40);
  assert.deepEqual(blocks.slice(0, 3).map((b) => b.prefix), [
    "block1a_",
    "block1b_",
    "block2a_",
  ]);
  assert.equal(blocks[39].prefix, "block6o_");
  assert.deepEqual(
    blocks.filter((b) => b.stage === 4).map((b) => b.prefix),
    ["block4a_", "block4b_", "block4c_", "block4d_", "block4e_", "block4f_"],
  );
});

Deno.test("expandBlocks() gives the stride and width change to a stage's first block only", () => {
  const blocks = expandBlocks(scaleVariant(EFFICIENTNETV2_VARIANTS.s));
  const [b2a, b2b] = blocks.filter((b) => b.stage === 2);
  assert.deepEqual([b2a.stride, b2a.inFilters, b2a.outFilters, b2a.residual], [
    2,
    24,
    48,
    false,
  ]);
  assert.deepEqual([b2b.stride, b2b.inFilters, b2b.outFilters, b2b.residual], [
    1,
    48,
    48,
    true,
  ]);
  // SE width is a quarter of the block's input width.
  const b4a = blocks.find((b) => b.prefix === "block4a_")!;
  const b4b = blocks.find((b) => b.prefix === "block4b_")!;
  assert.deepEqual([b4a.hiddenFilters, b4a.seFilters], [256, 16]);
  assert.deepEqual([b4b.hiddenFilters, b4b.seFilters], [512, 32]);
  assert.equal(blocks.find((b) => b.prefix === "block1a_")!.seFilters, 0);
});

Deno.test("expandBlocks() raises the drop-path rate linearly from 0 towards 0.2", () => {
  const blocks = expandBlocks(scaleVariant(EFFICIENTNETV2_VARIANTS.b0));
  assert.equal(blocks[0].dropRate, 0);
  for (const b of blocks) {
    assert.ok(Math.abs(b.dropRate - (0.2 * b.index) / blocks.length) < 1e-15);
  }
  assert.ok(blocks[blocks.length - 1].dropRate < 0.2);
});

Deno.test("repeatLetter() continues past z without invalid characters", () => {
  assert.deepEqual([0, 1, 25, 26, 27].map(repeatLetter), [
    "a",
    "b",
    "z",
    "aa",
    "ab",
  ]);
});
