import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "../_cpu.ts";
import { GeMPooling } from "../../../../lib/nn/model/gem_pooling.ts";

Deno.test("GeMPooling gives the generalized mean of a hand-worked 2×2 map, and p = 1 is the average", () => {
  // One channel holding 1, 2, 3, 4; p = 3: ((1 + 8 + 27 + 64) / 4)^(1/3) = 25^(1/3).
  const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const gem = new GeMPooling({ p: 3 });
  const y = gem.apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 1]);
  assert.ok(Math.abs(y.dataSync()[0] - Math.cbrt(25)) < 1e-5);
  const avg = new GeMPooling({ p: 1 }).apply(x) as tf.Tensor;
  assert.ok(Math.abs(avg.dataSync()[0] - 2.5) < 1e-5);
  // Negative inputs (SiLU features) are clamped at ε, never NaN.
  const negative = new GeMPooling({ p: 3 }).apply(
    tf.tensor4d([-0.2, -0.1, 0, 1], [1, 2, 2, 1]),
  ) as tf.Tensor;
  assert.ok(Math.abs(negative.dataSync()[0] - Math.cbrt(0.25)) < 1e-4);
  tf.dispose([x, y, avg, negative]);
});

Deno.test("GeMPooling learns p: the exponent gets a gradient and survives serialisation", () => {
  const input = tfl.input({ shape: [2, 2, 3] });
  const out = new GeMPooling({ name: "pooling", p: 3 }).apply(
    input,
  ) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  const layer = model.getLayer("pooling") as GeMPooling;
  assert.equal(model.trainableWeights.length, 1);
  const x = tf.randomUniform([4, 2, 2, 3], 0.1, 2, "float32", 5);
  const { grads } = tf.variableGrads(
    () => tf.sum(model.apply(x) as tf.Tensor) as tf.Scalar,
    [model.trainableWeights[0].read() as tf.Variable],
  );
  const g = Object.values(grads)[0].dataSync()[0];
  assert.ok(Number.isFinite(g) && g !== 0, `gradient ${g}`);
  assert.equal(layer.exponent(), 3);
  const config = layer.getConfig();
  assert.equal(config.p, 3);
  assert.equal(config.trainP, true);
  tf.dispose([x, ...Object.values(grads)]);
  model.dispose();
});
