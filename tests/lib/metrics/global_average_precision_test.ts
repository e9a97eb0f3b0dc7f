import assert from "node:assert/strict";
import {
  globalAveragePrecision,
  MetricsError,
} from "../../../lib/metrics/mod.ts";

// Worked by hand. Sorted by confidence desc, then query id:
//   rank 1  q0  pred 3, truth 3     correct  P = 1/1
//   rank 2  q1  pred 1, no landmark  wrong   (counts as a prediction)
//   rank 3  q2  pred 2, truth 2     correct  P = 2/3   (ties q3 at 0.7, lower id first)
//   rank 4  q3  pred 4, truth 5     wrong
//   rank 5  q4  pred 1, truth 1     correct  P = 3/5
// M = 4 queries with a landmark (q0, q2, q3, q4):
// GAP = (1 + 2/3 + 3/5) / 4 = 17/30
const EXAMPLE = {
  predicted: [3, 1, 2, 4, 1],
  confidence: [0.9, 0.8, 0.7, 0.7, 0.5],
  truth: [3, null, 2, 5, 1],
};

Deno.test("globalAveragePrecision() matches the hand-worked example with a no-landmark query and a tie", () => {
  assert.equal(globalAveragePrecision(EXAMPLE), 17 / 30);
});

Deno.test("globalAveragePrecision() breaks confidence ties by query id", () => {
  // The same predictions with q2 and q3 swapped: the wrong one now has the
  // lower id, ranks 3rd, and the correct one's P drops to 2/4.
  const swapped = {
    predicted: [3, 1, 4, 2, 1],
    confidence: [0.9, 0.8, 0.7, 0.7, 0.5],
    truth: [3, null, 5, 2, 1],
  };
  assert.equal(globalAveragePrecision(swapped), (1 + 2 / 4 + 3 / 5) / 4);
});

Deno.test("globalAveragePrecision() ranks by confidence, not by input order", () => {
  const order = [4, 2, 0, 3, 1];
  const shuffled = {
    predicted: order.map((q) => EXAMPLE.predicted[q]),
    confidence: order.map((q) => EXAMPLE.confidence[q]),
    truth: order.map((q) => EXAMPLE.truth[q]),
  };
  // q2 and q3 keep their relative order (positions 1 and 3), so the tie
  // resolves as before.
  assert.equal(globalAveragePrecision(shuffled), 17 / 30);
});

Deno.test("globalAveragePrecision() counts a landmark query without a prediction in M only", () => {
  assert.equal(
    globalAveragePrecision({
      predicted: [3, null],
      confidence: [0.1, 0.9],
      truth: [3, 2],
    }),
    1 / 2,
  );
});

Deno.test("globalAveragePrecision() is 1 when every prediction is right and 0 when none is", () => {
  const truth = [0, 1, 2, 1];
  const confidence = [0.4, 0.3, 0.2, 0.1];
  assert.equal(
    globalAveragePrecision({ predicted: truth, confidence, truth }),
    1,
  );
  assert.equal(
    globalAveragePrecision({ predicted: [1, 0, 0, 0], confidence, truth }),
    0,
  );
});

Deno.test("globalAveragePrecision() rejects bad input with the query named", () => {
  assert.throws(
    () =>
      globalAveragePrecision({
        predicted: [0],
        confidence: [1],
        truth: [null],
      }),
    /none of the "1" queries has a landmark/,
  );
  assert.throws(
    () =>
      globalAveragePrecision({ predicted: [0], confidence: [1], truth: [-1] }),
    (e) =>
      e instanceof MetricsError && e.at.query === 0 &&
      /truth\[0\] is "-1"/.test(e.message) && /use null/.test(e.hint ?? ""),
  );
  assert.throws(
    () =>
      globalAveragePrecision({
        predicted: [0, 1],
        confidence: [1, NaN],
        truth: [0, 1],
      }),
    /confidence\[1\] is NaN/,
  );
  assert.throws(
    () =>
      globalAveragePrecision({ predicted: [0], confidence: [], truth: [0] }),
    /confidence has "0" values for "1" queries/,
  );
});
