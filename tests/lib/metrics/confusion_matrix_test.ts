import assert from "node:assert/strict";
import { confusionMatrix } from "../../../lib/metrics/mod.ts";

Deno.test("confusionMatrix() puts true classes in rows and predictions in columns", () => {
  assert.deepEqual(
    confusionMatrix({
      predicted: [0, 1, 1, 2, 0, 2],
      truth: [0, 0, 1, 1, 1, 2],
      classes: 3,
    }),
    [
      [1, 1, 0],
      [1, 1, 1],
      [0, 0, 1],
    ],
  );
});

Deno.test("confusionMatrix() is null above 50 classes by default", () => {
  const truth = Array.from({ length: 51 }, (_, i) => i);
  assert.equal(confusionMatrix({ predicted: truth, truth, classes: 51 }), null);
  assert.equal(
    confusionMatrix({
      predicted: truth,
      truth,
      classes: 50 + 1,
      maxClasses: 51,
    })
      ?.length,
    51,
  );
});
