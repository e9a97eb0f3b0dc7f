import assert from "node:assert/strict";
import { perClassAccuracy } from "../../../lib/metrics/mod.ts";

Deno.test("perClassAccuracy() counts hits per true class, null for a class without queries", () => {
  const result = perClassAccuracy({
    predicted: [0, 1, 1, 2, 0],
    truth: [0, 0, 1, 1, 1],
    classes: 3,
    names: ["cat", "dog", null],
  });
  assert.deepEqual(result, [
    { label: 0, name: "cat", count: 2, correct: 1, accuracy: 0.5 },
    { label: 1, name: "dog", count: 3, correct: 1, accuracy: 1 / 3 },
    { label: 2, name: null, count: 0, correct: 0, accuracy: null },
  ]);
});

Deno.test("perClassAccuracy() rejects a prediction out of range", () => {
  assert.throws(
    () => perClassAccuracy({ predicted: [0, 5], truth: [0, 1], classes: 3 }),
    /predicted\[1\] is "5"/,
  );
});
