import assert from "node:assert/strict";
import { confusionMatrixSpec, renderSvg } from "../../../../lib/report/mod.ts";
import type { Predictor } from "../../../../lib/report/mod.ts";

const predictor = (confusion: number[][] | null): Predictor => ({
  key: "classifier",
  title: "classifier",
  metrics: { topk: {}, gap: null, perClass: [], confusion },
});

Deno.test("confusionMatrixSpec() shades each cell by its share of the true class", async () => {
  const spec = confusionMatrixSpec(predictor([[3, 1], [0, 2]]), ["cat", "dog"]);
  const values = (spec as unknown as {
    data: { values: { truth: string; predicted: string; rate: number }[] };
  }).data.values;
  assert.deepEqual(
    values.map((v) => [v.truth, v.predicted, v.rate]),
    [["cat", "cat", 0.75], ["cat", "dog", 0.25], ["dog", "cat", 0], [
      "dog",
      "dog",
      1,
    ]],
  );
  const svg = await renderSvg(spec!);
  // Counts are written in non-empty cells only.
  const counts = [...svg.matchAll(/<text[^>]*>(\d)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(counts.sort(), ["1", "2", "3"]);
});

Deno.test("confusionMatrixSpec() is undefined without a matrix", () => {
  assert.equal(confusionMatrixSpec(predictor(null), []), undefined);
});
