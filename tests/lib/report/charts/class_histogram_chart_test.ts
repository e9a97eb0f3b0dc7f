import assert from "node:assert/strict";
import { classHistogramSpec, renderSvg } from "../../../../lib/report/mod.ts";

const counts = (classes: number) =>
  Array.from({ length: classes }, (_, label) => ({
    label,
    train: 10 + label,
    holdout: 2,
  }));

Deno.test("classHistogramSpec() names each class up to 50 classes", async () => {
  const names = Array.from({ length: 50 }, (_, i) => `class ${i}`);
  const svg = await renderSvg(classHistogramSpec(counts(50), names)!);
  assert.match(svg, />class 49<\/text>/);
  assert.match(svg, /50 classes; 1725 train and 100 holdout images/);
});

Deno.test("classHistogramSpec() shows the distribution per split above 50 classes", async () => {
  const spec = classHistogramSpec(counts(51), []) as { hconcat?: unknown[] };
  assert.equal(spec.hconcat?.length, 2);
  const svg = await renderSvg(spec as never);
  assert.match(svg, /images per class/);
  assert.doesNotMatch(svg, />class 0</);
  assert.equal(classHistogramSpec([], []), undefined);
});
