import assert from "node:assert/strict";
import {
  knnPredict,
  MetricsError,
  topKAccuracy,
} from "../../../lib/metrics/mod.ts";
import type { KnnPredictOptions } from "../../../lib/metrics/mod.ts";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";

// Toy 2-D set, worked by hand (train row 1 is (4, 3), i.e. (0.8, 0.6) once normalised):
//   t0 (1, 0) c0   t1 (4, 3) c1   t2 (0.6, 0.8) c1   t3 (0, 1) c2   t4 (-1, 0) c2
// q0 (2, 0):  sims 1, .8, .6, 0, -1  → 3-NN t0 t1 t2
// q1 (0, 1):  sims 0, .6, .8, 1, 0   → 3-NN t3 t2 t1
// q2 (0, -1): sims 0, -.6, -.8, -1, 0 → 2-NN t0 t4 (tie at 0: lower train index first)
const TOY: KnnPredictOptions = {
  queries: new Float32Array([2, 0, 0, 1, 0, -1]),
  train: new Float32Array([1, 0, 4, 3, 0.6, 0.8, 0, 1, -1, 0]),
  trainLabels: [0, 1, 1, 2, 2],
  dim: 2,
  classes: 3,
  k: 3,
};

function close(actual: ArrayLike<number>, expected: number[], what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) < 1e-6,
      `${what}[${i}]: ${actual[i]} ≠ ${expected[i]}`,
    );
  }
}

Deno.test("knnPredict() finds the cosine neighbours of the toy set", async () => {
  const result = await knnPredict(TOY);
  assert.equal(result.k, 3);
  assert.deepEqual([...result.neighbours.subarray(0, 6)], [0, 1, 2, 3, 2, 1]);
  close(result.similarities.subarray(0, 6), [1, 0.8, 0.6, 1, 0.8, 0.6], "sims");
});

Deno.test("knnPredict() votes by majority, sum and max as documented", async () => {
  const majority = await knnPredict({ ...TOY, voting: "majority" });
  assert.deepEqual([...majority.label.subarray(0, 2)], [1, 1]);
  close(majority.confidence.subarray(0, 2), [2 / 3, 2 / 3], "majority");

  const sum = await knnPredict({ ...TOY, voting: "sum" });
  assert.deepEqual([...sum.label.subarray(0, 2)], [1, 1]);
  close(sum.confidence.subarray(0, 2), [1.4 / 3, 1.4 / 3], "sum");
  // q0: c0 1/3, c1 1.4/3, c2 unvoted: -3 + its best similarity (t3: 0).
  close(sum.scores!.subarray(0, 3), [1 / 3, 1.4 / 3, -3], "sum scores q0");
  // q1: c0 unvoted, best similarity 0 (t0) → -3.
  close(sum.scores!.subarray(3, 6), [-3, 1.4 / 3, 1 / 3], "sum scores q1");

  const max = await knnPredict({ ...TOY, voting: "max" });
  assert.deepEqual([...max.label.subarray(0, 2)], [0, 2]);
  close(max.confidence.subarray(0, 2), [1, 1], "max");
});

Deno.test("knnPredict() breaks similarity ties by train index and vote ties by class index", async () => {
  const result = await knnPredict({ ...TOY, k: 2, voting: "majority" });
  assert.deepEqual([...result.neighbours.subarray(4, 6)], [0, 4]);
  // c0 and c2 get one vote each: the lower class index wins.
  assert.equal(result.label[2], 0);
  assert.equal(result.confidence[2], 0.5);
});

Deno.test("knnPredict() caps k at the train size and treats a zero query as similarity 0", async () => {
  const result = await knnPredict({
    ...TOY,
    queries: new Float32Array([0, 0]),
    k: 50,
    voting: "majority",
  });
  assert.equal(result.k, 5);
  assert.deepEqual([...result.neighbours], [0, 1, 2, 3, 4]);
  assert.deepEqual([...result.similarities], [0, 0, 0, 0, 0]);
  assert.equal(result.label[0], 1); // c1 and c2 both get 2/5; c1 is lower
});

Deno.test("knnPredict() ranks unvoted classes by their nearest train row in the scores", async () => {
  // One query, one neighbour (k = 1), four classes at decreasing similarity.
  const train = new Float32Array([1, 0, 0.9, 0.1, 0.5, 0.5, 0, 1]);
  const result = await knnPredict({
    queries: new Float32Array([1, 0]),
    train,
    trainLabels: [3, 1, 2, 0],
    dim: 2,
    classes: 5, // class 4 has no train row at all
    k: 1,
  });
  assert.equal(result.label[0], 3);
  const scores = result.scores!;
  const order = [0, 1, 2, 3, 4].sort((a, b) => scores[b] - scores[a] || a - b);
  assert.deepEqual(order, [3, 1, 2, 0, 4]);
  assert.equal(scores[4], -Infinity);
  assert.deepEqual(
    topKAccuracy({ scores, truth: [2], classes: 5, ks: [1, 2, 3] }),
    { "1": 0, "2": 0, "3": 1 },
  );
});

Deno.test("knnPredict() equals a brute-force search for every chunk size", async () => {
  const rng = keyedRandom(3, "knn");
  const [n, t, dim, classes, k] = [37, 101, 7, 9, 6];
  // Integer coordinates so that exact similarity ties occur.
  const draw = (length: number) =>
    Float32Array.from({ length }, () => rng.int(5) - 2);
  const queries = draw(n * dim);
  const train = draw(t * dim);
  const trainLabels = Array.from({ length: t }, () => rng.int(classes));
  const norm = (v: Float32Array, r: number) =>
    Math.hypot(...v.subarray(r * dim, (r + 1) * dim));
  const expected: number[][] = [];
  for (let q = 0; q < n; q++) {
    const sims = Array.from({ length: t }, (_, r) => {
      let dot = 0;
      for (let d = 0; d < dim; d++) {
        dot += queries[q * dim + d] * train[r * dim + d];
      }
      const denominator = norm(queries, q) * norm(train, r);
      return denominator === 0 ? 0 : dot / denominator;
    });
    const order = sims.map((_, r) => r).sort((a, b) =>
      sims[b] - sims[a] || a - b
    );
    expected.push(order.slice(0, k));
  }
  const reference = await knnPredict({
    queries,
    train,
    trainLabels,
    dim,
    classes,
    k,
    chunkSize: 1,
  });
  for (let q = 0; q < n; q++) {
    const got = [...reference.neighbours.subarray(q * k, (q + 1) * k)];
    assert.deepEqual(got, expected[q], `query ${q}`);
  }
  for (const chunkSize of [3, 4, 5, 32, 100]) {
    const other = await knnPredict({
      queries,
      train,
      trainLabels,
      dim,
      classes,
      k,
      chunkSize,
    });
    assert.deepEqual(other, reference, `chunkSize ${chunkSize}`);
  }
});

Deno.test("knnPredict() rejects bad input with a clear message", async () => {
  await assert.rejects(
    () => knnPredict({ ...TOY, queries: new Float32Array([1, NaN]) }),
    (e) =>
      e instanceof MetricsError && e.at.input === "queries" &&
      /value "NaN" in row "0", column "1"/.test(e.message),
  );
  await assert.rejects(
    () => knnPredict({ ...TOY, trainLabels: [0, 1, 1, 2, 3] }),
    /trainLabels\[4\] is "3", outside \[0, 3\)/,
  );
  await assert.rejects(
    () => knnPredict({ ...TOY, train: new Float32Array(0), trainLabels: [] }),
    /the train set is empty/,
  );
  await assert.rejects(
    () => knnPredict({ ...TOY, queries: new Float32Array(3) }),
    /queries has "3" values, not a multiple of dim "2"/,
  );
  await assert.rejects(() => knnPredict({ ...TOY, k: 0 }), /k is "0"/);
  await assert.rejects(
    () => knnPredict({ ...TOY, threads: 0 }),
    /threads is "0"/,
  );
  await assert.rejects(
    () => knnPredict({ ...TOY, voting: "mode" as "max" }),
    (e: Error) =>
      /voting is "mode"/.test(e.message) &&
      /majority, sum, max/.test((e as MetricsError).hint ?? ""),
  );
});

Deno.test("knnPredict() gives the same answer on one thread and split over Workers", async () => {
  const rng = keyedRandom(8, "knn threads");
  const [n, t, dim, classes] = [700, 20000, 100, 50]; // work for 3 threads
  const queries = Float32Array.from(
    { length: n * dim },
    () => rng.next() - 0.5,
  );
  const train = Float32Array.from({ length: t * dim }, () => rng.next() - 0.5);
  // Copies of the first query all over the train rows: its nearest neighbours tie exactly.
  for (let row = 0; row < t; row += 1009) {
    train.set(queries.subarray(0, dim), row * dim);
  }
  const trainLabels = Array.from({ length: t }, () => rng.int(classes));
  const options = { queries, train, trainLabels, dim, classes, k: 10 };
  const one = await knnPredict({ ...options, threads: 1 });
  const two = await knnPredict({ ...options, threads: 2 });
  const three = await knnPredict({ ...options, threads: 3, chunkSize: 7 });
  assert.deepEqual(two, one);
  assert.deepEqual(three, one);
});
