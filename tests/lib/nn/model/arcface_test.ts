import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { values } from "../_cpu.ts";
import { ArcMarginProduct } from "../../../../lib/nn/model/arcface.ts";
import { arcMarginLogits } from "../../../../lib/nn/model/arc_margin.ts";

function headModel(args: ConstructorParameters<typeof ArcMarginProduct>[0]) {
  const features = tfl.input({ shape: [6] });
  const labels = tfl.input({ shape: [1], dtype: "int32" });
  const layer = new ArcMarginProduct(args);
  const out = layer.apply([features, labels]) as tfl.SymbolicTensor;
  return {
    model: tfl.model({ inputs: [features, labels], outputs: out }),
    layer,
  };
}

Deno.test("ArcMarginProduct defaults to the notebook's s=30, m=0.5 and W [D, n] glorot-uniform", () => {
  const { model, layer } = headModel({
    name: "arc_margin",
    nClasses: 10,
    seed: 1,
  });
  assert.deepEqual(layer.options, {
    s: 30,
    m: 0.5,
    easyMargin: false,
    lsEps: 0,
    subcenters: 1,
  });
  assert.equal(model.weights[0].originalName, "arc_margin/W");
  assert.deepEqual(model.weights[0].shape, [6, 10]);
  const limit = Math.sqrt(6 / (6 + 10));
  assert.ok(values(layer.weightMatrix()).every((v) => Math.abs(v) <= limit));
});

Deno.test("ArcMarginProduct applies the margin to the true class only", () => {
  const { model, layer } = headModel({
    name: "arc_margin",
    nClasses: 4,
    seed: 2,
  });
  const x = tf.randomNormal([3, 6], 0, 1, "float32", 5) as tf.Tensor2D;
  const y = tf.tensor2d([[0], [3], [1]], [3, 1], "int32");
  const train = (model.apply([x, y]) as tf.Tensor).arraySync() as number[][];
  const plain = layer.logits(x).arraySync();
  const cosOnly = layer.logits(x, false).arraySync();
  const expected = arcMarginLogits(x, layer.weightMatrix(), y, layer.options)
    .arraySync();
  train.forEach((row, b) =>
    row.forEach((v, c) => {
      assert.ok(Math.abs(v - expected[b][c]) < 1e-5);
      assert.ok(Math.abs(plain[b][c] - 30 * cosOnly[b][c]) < 1e-4);
      const label = [0, 3, 1][b];
      if (c === label) {
        assert.ok(v < plain[b][c], "the margin lowers the true class's logit");
      } else assert.ok(Math.abs(v - plain[b][c]) < 1e-4);
    })
  );
});

Deno.test("ArcMarginProduct rejects bad arguments and a single input", () => {
  assert.throws(
    () => new ArcMarginProduct({ nClasses: 0 }),
    /nClasses 0 is not a positive integer/,
  );
  assert.throws(
    () => new ArcMarginProduct({ nClasses: 3, subcenters: 1.5 }),
    /subcenters 1.5/,
  );
  const layer = new ArcMarginProduct({ nClasses: 3 });
  assert.throws(
    () => layer.call(tf.ones([2, 4])),
    /it takes \[embeddings, labels\]/,
  );
});

Deno.test("ArcMarginProduct's serialised config recreates the same layer", () => {
  const { layer } = headModel({
    name: "arc",
    nClasses: 5,
    s: 12,
    m: 0.2,
    easyMargin: true,
    lsEps: 0.05,
    subcenters: 3,
  });
  const config = layer.getConfig();
  const copy =
    tf.serialization.SerializationMap.getMap().classNameMap["ArcMarginProduct"];
  assert.ok(copy !== undefined);
  const again = copy[1](copy[0], config) as ArcMarginProduct;
  assert.deepEqual(again.options, layer.options);
  assert.equal(again.nClasses, 5);
});
