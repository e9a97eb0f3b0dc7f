import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { values } from "../_cpu.ts";
import {
  DropPath,
  SeededDropout,
  setDropoutStep,
} from "../../../../lib/nn/model/seeded_dropout.ts";

function tinyModel(rate: number) {
  const input = tfl.input({ shape: [2, 2, 3] });
  const out = new DropPath({ name: "block2b_drop", rate, seed: 5 }).apply(
    input,
  ) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

Deno.test("DropPath is the identity at inference", () => {
  const model = tinyModel(0.5);
  const x = tf.randomUniform([16, 2, 2, 3], -1, 1, "float32", 1);
  for (const kwargs of [{}, { training: false }]) {
    assert.deepEqual(values(model.apply(x, kwargs) as tf.Tensor), values(x));
  }
  assert.deepEqual(values(model.predict(x) as tf.Tensor), values(x));
});

Deno.test("DropPath drops whole samples and scales survivors by 1/keep in training", () => {
  const model = tinyModel(0.5);
  const x = tf.add(tf.randomUniform([64, 2, 2, 3], 0, 1, "float32", 2), 1);
  const y = (model.apply(x, { training: true }) as tf.Tensor)
    .arraySync() as number[][][][];
  const xs = x.arraySync() as number[][][][];
  let dropped = 0;
  y.forEach((sample, i) => {
    const flat = sample.flat(2);
    const input = xs[i].flat(2);
    if (flat.every((v) => v === 0)) dropped++;
    else flat.forEach((v, j) => assert.ok(Math.abs(v - input[j] * 2) < 1e-6));
  });
  assert.ok(dropped > 10 && dropped < 54, `dropped ${dropped} of 64`);
});

Deno.test("DropPath masks depend only on seed and step", () => {
  const model = tinyModel(0.3);
  const x = tf.ones([32, 2, 2, 3]);
  const first = values(model.apply(x, { training: true }) as tf.Tensor);
  const second = values(model.apply(x, { training: true }) as tf.Tensor);
  assert.notDeepEqual(first, second, "each training call draws a new mask");
  setDropoutStep(model, 1);
  assert.deepEqual(
    values(model.apply(x, { training: true }) as tf.Tensor),
    second,
  );
  const other = tinyModel(0.3);
  assert.deepEqual(
    values(other.apply(x, { training: true }) as tf.Tensor),
    first,
    "same seed, same step",
  );
});

Deno.test("SeededDropout drops elements reproducibly", () => {
  const layer = new SeededDropout({ name: "dropout", rate: 0.25, seed: 9 });
  const x = tf.ones([8, 100]);
  const a = values(layer.apply(x, { training: true }) as tf.Tensor);
  const zeros = a.filter((v) => v === 0).length;
  assert.ok(zeros > 100 && zeros < 300, `${zeros} of 800 dropped`);
  assert.ok(a.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6));
  layer.step = 0;
  assert.deepEqual(values(layer.apply(x, { training: true }) as tf.Tensor), a);
  assert.deepEqual(values(layer.apply(x) as tf.Tensor), values(x));
  assert.throws(
    () => new SeededDropout({ name: "bad", rate: 1, seed: 0 }),
    /rate 1 is not in \[0, 1\)/,
  );
});
