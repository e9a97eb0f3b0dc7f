import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { values } from "../_cpu.ts";
import {
  arcMarginLogits,
  type ArcMarginOptions,
  classCosine,
  dynamicMargins,
} from "../../../../lib/nn/model/arc_margin.ts";
import { keyedRandom } from "../../../../lib/random/keyed_random.ts";

// A float64 reference written straight from the notebook's formulas.
function reference(
  x: number[][],
  w: number[][],
  labels: number[],
  o: ArcMarginOptions,
): number[][] {
  const dims = w.length;
  const columns = w[0].length;
  const n = columns / o.subcenters;
  const colNorm = Array.from(
    { length: columns },
    (_, j) => Math.hypot(...w.map((row) => row[j])),
  );
  return x.map((xi, b) => {
    const xNorm = Math.hypot(...xi);
    const cosAll = Array.from({ length: columns }, (_, j) => {
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += xi[d] * w[d][j];
      return dot / (xNorm * colNorm[j]);
    });
    return Array.from({ length: n }, (_, c) => {
      const cos = Math.max(
        ...cosAll.slice(c * o.subcenters, (c + 1) * o.subcenters),
      );
      const sin = Math.sqrt(1 - cos * cos);
      let phi = cos * Math.cos(o.m) - sin * Math.sin(o.m);
      if (o.easyMargin) phi = cos > 0 ? phi : cos;
      else {phi = cos > Math.cos(Math.PI - o.m)
          ? phi
          : cos - Math.sin(Math.PI - o.m) * o.m;}
      let target = c === labels[b] ? 1 : 0;
      if (o.lsEps > 0) target = (1 - o.lsEps) * target + o.lsEps / n;
      return o.s * (target * phi + (1 - target) * cos);
    });
  });
}

// Mean softmax cross-entropy of the logits against the labels, in float64.
function referenceLoss(
  x: number[][],
  w: number[][],
  labels: number[],
  o: ArcMarginOptions,
): number {
  const logits = reference(x, w, labels, o);
  let total = 0;
  logits.forEach((row, b) => {
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) +
      max;
    total += logSum - row[labels[b]];
  });
  return total / logits.length;
}

function randomMatrix(rows: number, cols: number, key: string): number[][] {
  const rng = keyedRandom(11, key);
  return Array.from(
    { length: rows },
    () => Array.from({ length: cols }, () => rng.next() * 2 - 1),
  );
}

const BASE: ArcMarginOptions = {
  s: 30,
  m: 0.5,
  easyMargin: false,
  lsEps: 0,
  subcenters: 1,
};
const CASES: [string, ArcMarginOptions][] = [
  ["notebook defaults", BASE],
  ["label smoothing", { ...BASE, lsEps: 0.1 }],
  ["easy margin", { ...BASE, easyMargin: true }],
  ["sub-centres", { ...BASE, subcenters: 3, s: 16, m: 0.3 }],
];

function setup(o: ArcMarginOptions) {
  const batch = 6, dims = 5, n = 4;
  const w = randomMatrix(dims, n * o.subcenters, "w");
  const x = randomMatrix(batch, dims, "x");
  const labels = [0, 1, 2, 3, 1, 2];
  // Sample 4 points away from its class centre (cos = −1 with one centre): the th/mm fallback branch.
  x[4] = w.map((row) => -row[1 * o.subcenters]);
  return { x, w, labels };
}

for (const [name, o] of CASES) {
  Deno.test(`arcMarginLogits() matches the float64 reference (${name})`, () => {
    const { x, w, labels } = setup(o);
    const got = arcMarginLogits(
      tf.tensor2d(x),
      tf.tensor2d(w),
      tf.tensor1d(labels, "int32"),
      o,
    ).arraySync();
    const want = reference(x, w, labels, o);
    got.forEach((row, b) =>
      row.forEach((v, c) =>
        assert.ok(
          Math.abs(v - want[b][c]) < 2e-4,
          `[${b}, ${c}]: ${v} vs ${want[b][c]}`,
        )
      )
    );
  });

  Deno.test(`arcMarginLogits() gradients match finite differences (${name})`, () => {
    const { x, w, labels } = setup(o);
    const lossOf = (xt: tf.Tensor2D, wt: tf.Tensor2D) =>
      tf.losses.softmaxCrossEntropy(
        tf.oneHot(tf.tensor1d(labels, "int32"), 4),
        arcMarginLogits(xt, wt, tf.tensor1d(labels, "int32"), o),
      ) as tf.Scalar;
    const [gx, gw] = tf.grads((xt, wt) =>
      lossOf(xt as tf.Tensor2D, wt as tf.Tensor2D)
    )([
      tf.tensor2d(x),
      tf.tensor2d(w),
    ]);
    const h = 1e-6;
    const check = (analytic: number[][], matrix: number[][], which: string) => {
      let worst = 0;
      matrix.forEach((row, i) =>
        row.forEach((_, j) => {
          const plus = matrix.map((r) => [...r]);
          const minus = matrix.map((r) => [...r]);
          plus[i][j] += h;
          minus[i][j] -= h;
          const [xp, wp] = which === "x" ? [plus, w] : [x, plus];
          const [xm, wm] = which === "x" ? [minus, w] : [x, minus];
          const numeric = (referenceLoss(xp, wp, labels, o) -
            referenceLoss(xm, wm, labels, o)) / (2 * h);
          worst = Math.max(
            worst,
            Math.abs(numeric - analytic[i][j]) / Math.max(1, Math.abs(numeric)),
          );
        })
      );
      assert.ok(worst < 1e-3, `${which}: worst relative error ${worst}`);
    };
    check(gx.arraySync() as number[][], x, "x");
    check(gw.arraySync() as number[][], w, "w");
  });
}

Deno.test("arcMarginLogits() has finite gradients when cos is exactly ±1", () => {
  const w = tf.tensor2d([[1, 0], [0, 1]]);
  const x = tf.tensor2d([[2, 0], [0, -3]]); // cos 1 with class 0; cos −1 with class 1
  const labels = tf.tensor1d([0, 1], "int32");
  const [gx, gw] = tf.grads((xt, wt) =>
    tf.sum(arcMarginLogits(xt as tf.Tensor2D, wt as tf.Tensor2D, labels, BASE))
  )([
    x,
    w,
  ]);
  assert.ok([...values(gx), ...values(gw)].every(Number.isFinite));
});

Deno.test("classCosine() takes the best of each class's centres", () => {
  const w = tf.tensor2d([[1, 0, 0, -1], [0, 1, 1, 0]]); // class 0: e1, e2; class 1: e2, −e1
  const cos = classCosine(tf.tensor2d([[0, 1], [-1, 0]]), w, 2).arraySync();
  assert.deepEqual(cos, [[1, 1], [0, 1]]);
});

Deno.test("arcMarginLogits() applies the margin on the wasm backend too (its float32 OneHot is broken)", async () => {
  const { useBackend } = await import("../../../../lib/nn/backend.ts");
  const { x, w, labels } = setup(BASE);
  const want = reference(x, w, labels, BASE);
  await useBackend("wasm");
  try {
    const got = arcMarginLogits(
      tf.tensor2d(x),
      tf.tensor2d(w),
      tf.tensor1d(labels, "int32"),
      BASE,
    ).arraySync();
    got.forEach((row, b) =>
      row.forEach((v, c) =>
        assert.ok(
          Math.abs(v - want[b][c]) < 2e-4,
          `wasm [${b}, ${c}]: ${v} vs ${want[b][c]}`,
        )
      )
    );
  } finally {
    await tf.setBackend("cpu");
  }
});

Deno.test("dynamicMargins() gives rarer classes larger margins, from max for the rarest to min for the commonest", () => {
  // n^(-1/4) of 1, 16, 81 and 16: 1, 0.5, 1/3, 0.5.
  const margins = dynamicMargins([1, 16, 81, 16], { min: 0.1, max: 0.5 });
  assert.ok(Math.abs(margins[0] - 0.5) < 1e-12);
  assert.ok(Math.abs(margins[2] - 0.1) < 1e-12);
  // (0.5 − 1/3) / (1 − 1/3) = 1/4 of the way from min to max.
  assert.ok(Math.abs(margins[1] - 0.2) < 1e-12);
  assert.equal(margins[1], margins[3]);
  assert.deepEqual(dynamicMargins([5, 5], { min: 0.1, max: 0.4 }), [0.4, 0.4]);
  assert.deepEqual(dynamicMargins([0, 1], { min: 0.1, max: 0.4 }), [0.4, 0.4]);
});

Deno.test("arcMarginLogits() with per-class margins equals the scalar margin where they agree", () => {
  const features = tf.tensor2d([[0.3, -0.2, 0.9], [0.1, 0.5, -0.4]]);
  const weights = tf.tensor2d([[0.2, -0.7], [0.4, 0.1], [-0.3, 0.6]]);
  const labels = tf.tensor1d([1, 0], "int32");
  const options = { s: 30, m: 0.4, easyMargin: false, lsEps: 0, subcenters: 1 };
  const scalar = arcMarginLogits(features, weights, labels, options);
  const perClass = arcMarginLogits(
    features,
    weights,
    labels,
    options,
    tf.tensor1d([0.4, 0.4]),
  );
  const a = values(scalar), b = values(perClass);
  a.forEach((v, i) =>
    assert.ok(Math.abs(v - b[i]) < 1e-4, `${i}: ${v} ${b[i]}`)
  );
  // A larger margin for class 1 lowers sample 0's true-class logit only.
  const larger = values(
    arcMarginLogits(
      features,
      weights,
      labels,
      options,
      tf.tensor1d([0.4, 0.8]),
    ),
  );
  assert.ok(larger[1] < a[1]);
  assert.ok(Math.abs(larger[0] - a[0]) < 1e-4);
  assert.ok(Math.abs(larger[2] - a[2]) < 1e-4);
});
