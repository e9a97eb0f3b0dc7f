import assert from "node:assert/strict";
import {
  capTopK,
  MetricsError,
  topKAccuracy,
  topKAccuracyFromRanks,
  trueLabelRanks,
} from "../../../lib/metrics/mod.ts";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";

// 3 queries × 4 classes, worked by hand:
// q0 truth 1: class 0 ties it at 0.5 and has the lower index → rank 1
// q1 truth 0: ties class 1 but has the lower index → rank 0
// q2 truth 0: every other class scores higher → rank 3
// deno-fmt-ignore
const SCORES = new Float32Array([
  0.5, 0.5, 0.1, 0.2,
  0.5, 0.5, 0.1, 0.2,
  0.1, 0.2, 0.3, 0.4,
]);
const TRUTH = [1, 0, 0];

Deno.test("trueLabelRanks() breaks ties by class index", () => {
  assert.deepEqual(
    [...trueLabelRanks({ scores: SCORES, truth: TRUTH, classes: 4 })],
    [1, 0, 3],
  );
});

Deno.test("topKAccuracy() matches the hand-worked example, k capped at the class count", () => {
  const acc = topKAccuracy({
    scores: SCORES,
    truth: TRUTH,
    classes: 4,
    ks: [1, 2, 3, 10],
  });
  assert.deepEqual(acc, { "1": 1 / 3, "2": 2 / 3, "3": 2 / 3, "4": 1 });
  assert.deepEqual(Object.keys(acc), ["1", "2", "3", "4"]);
});

Deno.test("topKAccuracy() gives no free hits when all scores are equal", () => {
  const classes = 5;
  const truth = [0, 1, 2, 3, 4];
  const acc = topKAccuracy({
    scores: new Float32Array(truth.length * classes),
    truth,
    classes,
    ks: [1, 2, 5],
  });
  assert.deepEqual(acc, { "1": 0.2, "2": 0.4, "5": 1 });
});

Deno.test("trueLabelRanks() equals the position in a stable descending sort", () => {
  const rng = keyedRandom(7, "ranks");
  const classes = 13;
  const rows = 200;
  // Values on a coarse grid so that ties are frequent.
  const scores = Float32Array.from(
    { length: rows * classes },
    () => rng.int(6) / 4 - (rng.next() < 0.05 ? Infinity : 0),
  );
  const truth = Array.from({ length: rows }, () => rng.int(classes));
  const ranks = trueLabelRanks({ scores, truth, classes });
  for (let q = 0; q < rows; q++) {
    const order = Array.from({ length: classes }, (_, c) => c).sort((a, b) =>
      scores[q * classes + b] - scores[q * classes + a] || a - b
    );
    assert.equal(ranks[q], order.indexOf(truth[q]), `query ${q}`);
  }
});

Deno.test("topKAccuracyFromRanks() over chunked ranks equals topKAccuracy() on the whole matrix", () => {
  const rng = keyedRandom(8, "chunks");
  const classes = 30;
  const rows = 50;
  const scores = Float32Array.from(
    { length: rows * classes },
    () => rng.next(),
  );
  const truth = Int32Array.from({ length: rows }, () => rng.int(classes));
  const ks = [1, 5, 10, 100];
  const ranks = new Int32Array(rows);
  for (let q0 = 0; q0 < rows; q0 += 16) {
    const q1 = Math.min(rows, q0 + 16);
    ranks.set(
      trueLabelRanks({
        scores: scores.subarray(q0 * classes, q1 * classes),
        truth: truth.subarray(q0, q1),
        classes,
      }),
      q0,
    );
  }
  assert.deepEqual(
    topKAccuracyFromRanks({ ranks, ks, classes }),
    topKAccuracy({ scores, truth, classes, ks }),
  );
});

Deno.test("capTopK() caps, dedupes and sorts", () => {
  assert.deepEqual(capTopK([1, 10, 100, 1000], 10), [1, 10]);
  assert.deepEqual(capTopK([1000, 1, 10, 100], 120), [1, 10, 100, 120]);
  assert.throws(() => capTopK([], 10), MetricsError);
  assert.throws(() => capTopK([0], 10), /k is "0"/);
  assert.throws(() => capTopK([1.5], 10), /k is "1.5"/);
});

Deno.test("topKAccuracy() names the query and class of a NaN score", () => {
  const scores = new Float32Array([0.1, 0.2, 0.3, NaN]);
  assert.throws(
    () => topKAccuracy({ scores, truth: [0, 1], classes: 2, ks: [1] }),
    (e) => {
      assert.ok(e instanceof MetricsError);
      assert.deepEqual(e.at, { input: "scores", query: 1, class: 1 });
      assert.match(e.message, /query "1", class "1" is NaN/);
      return true;
    },
  );
});

Deno.test("topKAccuracy() rejects shape mismatches and labels out of range", () => {
  const scores = new Float32Array(6);
  assert.throws(
    () => topKAccuracy({ scores, truth: [0, 1], classes: 4, ks: [1] }),
    /scores has "6" values, not a multiple of "4" classes/,
  );
  assert.throws(
    () => topKAccuracy({ scores, truth: [0], classes: 3, ks: [1] }),
    /truth has "1" labels for "2" rows/,
  );
  assert.throws(
    () => topKAccuracy({ scores, truth: [0, 3], classes: 3, ks: [1] }),
    /truth\[1\] is "3", outside \[0, 3\)/,
  );
  assert.throws(
    () => topKAccuracy({ scores: [], truth: [], classes: 3, ks: [1] }),
    /there are no queries/,
  );
});
