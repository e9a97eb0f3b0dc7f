import { planEfficientNetV2 } from "../../../../lib/nn/model/efficientnetv2/plan.ts";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { values } from "../_cpu.ts";
import { batch, trainStep } from "../_train_step.ts";
import {
  buildRetrievalModel,
  RETRIEVAL_LAYERS,
} from "../../../../lib/nn/model/retrieval_model.ts";
import { retrievalInference } from "../../../../lib/nn/model/retrieval_inference.ts";
import { VariantError } from "../../../../lib/nn/model/efficientnetv2/variant_error.ts";
import { weightsDigest } from "./testdata/_weights_digest.ts";

Deno.test("buildRetrievalModel() takes [image, label] and returns [B, classes] logits", () => {
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "pico" }),
    imgSize: 32,
    classes: 6,
  });
  assert.deepEqual(model.inputs.map((i) => [i.name, i.shape, i.dtype]), [
    ["image", [null, 32, 32, 3], "float32"],
    ["label", [null, 1], "int32"],
  ]);
  assert.deepEqual(model.outputs[0].shape, [null, 6]);
  const names = model.layers.map((l) => l.name);
  for (const name of ["pooling", "dropout", "arc_margin", "top_activation"]) {
    assert.ok(names.includes(name), name);
  }
  const { images, labels } = batch(1, 2, 32, 6);
  for (const label of [labels, tf.reshape(labels, [2, 1])]) {
    assert.deepEqual((model.apply([images, label]) as tf.Tensor).shape, [2, 6]);
  }
  assert.deepEqual((model.predict([images, labels]) as tf.Tensor).shape, [
    2,
    6,
  ]);
});

Deno.test("buildRetrievalModel() gives the same initial weights for a seed in another process", async () => {
  const seed = 21;
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "pico" }),
    imgSize: 32,
    classes: 4,
    neck: 8,
    seed,
  });
  const here = await weightsDigest(model);
  const script =
    new URL("./testdata/weights_digest.ts", import.meta.url).pathname;
  const run = async (s: number) => {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-env",
        "--no-prompt",
        script,
        String(s),
      ],
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    return new TextDecoder().decode(stdout).trim().split("\n").at(-1);
  };
  assert.equal(await run(seed), here);
  assert.notEqual(await run(seed + 1), here);
});

Deno.test("retrievalInference() gives margin-free logits s·cos from the same weights", () => {
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "pico" }),
    imgSize: 32,
    classes: 5,
    neck: 12,
    head: { kind: "arcface", s: 20, m: 0.4 },
  });
  const inference = retrievalInference(model);
  assert.equal(inference.head, "arcface");
  const { images, labels } = batch(2, 3, 32, 5);
  const { embeddings, logits } = inference.predict(images);
  assert.deepEqual(embeddings.shape, [3, 12]);
  assert.deepEqual(logits.shape, [3, 5]);
  // Inference logits equal the training output except at the label, where the margin applies.
  const train = (model.apply([images, labels]) as tf.Tensor)
    .arraySync() as number[][];
  const free = logits.arraySync();
  const y = values(labels);
  train.forEach((row, b) =>
    row.forEach((v, c) =>
      c !== y[b] && assert.ok(Math.abs(v - free[b][c]) < 1e-4)
    )
  );
  // The views share weights: changing W changes the logits.
  const w = model.getLayer(RETRIEVAL_LAYERS.arcface).getWeights()[0];
  model.getLayer(RETRIEVAL_LAYERS.arcface).setWeights([tf.neg(w)]);
  const negated = inference.logits(embeddings).arraySync();
  negated.forEach((row, b) =>
    row.forEach((v, c) => assert.ok(Math.abs(v + free[b][c]) < 1e-4))
  );
  const unscaled = inference.logits(embeddings, false);
  assert.ok(values(unscaled).every((v) => Math.abs(v) <= 1 + 1e-6));
});

Deno.test("retrievalInference() works with the softmax head", () => {
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "pico" }),
    imgSize: 32,
    classes: 3,
    head: { kind: "softmax" },
  });
  const inference = retrievalInference(model);
  assert.equal(inference.head, "softmax");
  const { images, labels } = batch(3, 2, 32, 3);
  const { embeddings, logits } = inference.predict(images);
  assert.deepEqual(embeddings.shape, [2, 256]);
  assert.deepEqual(
    values(logits),
    values(model.apply([images, labels]) as tf.Tensor),
  );
});

Deno.test("buildRetrievalModel() rejects bad classes and variants", () => {
  assert.throws(
    () =>
      buildRetrievalModel({
        backbone: planEfficientNetV2({ variant: "pico" }),
        classes: 0,
      }),
    /classes 0 is not a positive integer/,
  );
  assert.throws(
    () =>
      buildRetrievalModel({
        backbone: planEfficientNetV2({ variant: "huge" }),
        classes: 2,
      }),
    VariantError,
  );
});

Deno.test("training and inference through the retrieval model leak no tensors", () => {
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "pico" }),
    imgSize: 32,
    classes: 4,
    neck: 8,
    dropout: 0.3,
    head: { kind: "arcface", subcenters: 2, lsEps: 0.1 },
  });
  const optimizer = tf.train.adam(1e-3);
  const { images, labels } = batch(5, 4, 32, 4);
  const inference = retrievalInference(model);
  const counts: number[] = [];
  for (let step = 0; step < 4; step++) {
    trainStep(model, optimizer, images, labels, 4);
    tf.dispose(Object.values(inference.predict(images)));
    counts.push(tf.memory().numTensors);
  }
  // Adam creates its moments on step 1; from then on the count stays flat.
  assert.deepEqual(counts.slice(1), [counts[1], counts[1], counts[1]]);
});
