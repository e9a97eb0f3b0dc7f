import assert from "node:assert/strict";
import {
  argmaxPredictions,
  computeMetrics,
  knnPredict,
  metricsFromRanks,
  trueLabelRanks,
} from "../../../lib/metrics/mod.ts";

Deno.test("computeMetrics() gathers top-k, GAP, per-class accuracy and the confusion matrix", () => {
  // 4 queries × 3 classes. Argmax predictions 0, 2, 2, 1 with confidences
  // 0.9, 0.8, 0.6, 0.7; truth 0, 1, 2, 1.
  // GAP ranks q0 ✓ (1/1), q1 ✗, q3 ✓ (2/3), q2 ✓ (3/4): (1 + 2/3 + 3/4) / 4.
  // deno-fmt-ignore
  const scores = new Float32Array([
    0.9, 0.0, 0.1,
    0.1, 0.5, 0.8,
    0.2, 0.3, 0.6,
    0.1, 0.7, 0.2,
  ]);
  const metrics = computeMetrics({
    scores,
    truth: [0, 1, 2, 1],
    classes: 3,
    names: ["a", "b", "c"],
  });
  assert.deepEqual(metrics.topk, { "1": 0.75, "3": 1 });
  assert.equal(metrics.gap, (1 + 2 / 3 + 3 / 4) / 4);
  assert.deepEqual(metrics.perClass.map((c) => [c.name, c.accuracy]), [
    ["a", 1],
    ["b", 0.5],
    ["c", 1],
  ]);
  assert.deepEqual(metrics.confusion, [[1, 0, 0], [0, 1, 1], [0, 0, 1]]);
});

Deno.test("computeMetrics() uses the given kNN predictions for GAP and per-class accuracy", async () => {
  const knn = await knnPredict({
    queries: new Float32Array([1, 0, 0, 1, 1, 1]),
    train: new Float32Array([1, 0.1, 0.1, 1]),
    trainLabels: [0, 1],
    dim: 2,
    classes: 2,
    k: 1,
  });
  // q2 (1, 1) is equally near both rows: row 0 comes first → class 0.
  assert.deepEqual([...knn.label], [0, 1, 0]);
  const metrics = computeMetrics({
    scores: knn.scores!,
    predictions: knn,
    truth: [0, 1, 1],
    classes: 2,
    ks: [1],
  });
  assert.deepEqual(metrics.topk, { "1": 2 / 3 });
  // q2's confidence (cos 45°-ish, about 0.77) is below the others (about 0.995): it ranks last.
  assert.equal(metrics.gap, 2 / 3);
  assert.deepEqual(metrics.perClass.map((c) => c.accuracy), [1, 0.5]);
});

Deno.test("metricsFromRanks() on ranks and predictions gathered batch by batch equals computeMetrics() on the whole matrix", () => {
  const classes = 7;
  const queries = 50;
  const scores = new Float32Array(queries * classes);
  let state = 12345;
  for (let i = 0; i < scores.length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    scores[i] = Math.round((state / 2 ** 31) * 8) / 8; // coarse: plenty of ties
  }
  const truth = Array.from({ length: queries }, (_, q) => (q * 3) % classes);
  const whole = computeMetrics({ scores, truth, classes, ks: [1, 3, 10] });
  const ranks = new Int32Array(queries);
  const label = new Int32Array(queries);
  const confidence = new Float32Array(queries);
  for (let start = 0; start < queries; start += 16) {
    const end = Math.min(queries, start + 16);
    const chunk = scores.subarray(start * classes, end * classes);
    ranks.set(
      trueLabelRanks({
        scores: chunk,
        truth: truth.slice(start, end),
        classes,
      }),
      start,
    );
    const predictions = argmaxPredictions(chunk, classes);
    label.set(predictions.label, start);
    confidence.set(predictions.confidence, start);
  }
  const chunked = metricsFromRanks({
    ranks,
    predictions: { label, confidence },
    truth,
    classes,
    ks: [1, 3, 10],
  });
  assert.deepStrictEqual(chunked, whole);
});
