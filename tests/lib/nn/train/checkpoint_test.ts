import { planEfficientNetV2 } from "../../../../lib/nn/model/efficientnetv2/plan.ts";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "../_cpu.ts";
import { batch, trainStep } from "../_train_step.ts";
import { buildRetrievalModel } from "../../../../lib/nn/model/retrieval_model.ts";
import {
  CHECKPOINT_JSON,
  loadCheckpoint,
  OPTIMIZER_BIN,
  saveCheckpoint,
} from "../../../../lib/nn/train/checkpoint.ts";
import { ModelFileError } from "../../../../lib/nn/model/model_file_error.ts";
import { getDropoutStep } from "../../../../lib/nn/model/seeded_dropout.ts";

const CLASSES = 5;
const config = {
  backbone: planEfficientNetV2({ variant: "pico" }),
  imgSize: 32,
  classes: CLASSES,
  dropout: 0.2,
  seed: 3,
  head: { kind: "arcface" as const, s: 16, m: 0.3 },
};

Deno.test("loadCheckpoint() continues training bit-identically to an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = buildRetrievalModel(config);
    const optimizer = tf.train.adam(1e-3);
    const batches = [1, 2, 3].map((seed) => batch(seed, 4, 32, CLASSES));
    trainStep(model, optimizer, batches[0].images, batches[0].labels, CLASSES);
    trainStep(model, optimizer, batches[1].images, batches[1].labels, CLASSES);
    await saveCheckpoint(dir, {
      model,
      optimizer,
      state: { epoch: 2, bestLoss: 1.5 },
    });
    const lossA = trainStep(
      model,
      optimizer,
      batches[2].images,
      batches[2].labels,
      CLASSES,
    );

    const restored = await loadCheckpoint<{ epoch: number; bestLoss: number }>(
      dir,
    );
    assert.deepEqual(restored.state, { epoch: 2, bestLoss: 1.5 });
    assert.equal(getDropoutStep(restored.model), 2);
    assert.ok(restored.optimizer !== undefined);
    assert.equal(restored.optimizer.getClassName(), "Adam");
    assert.equal(restored.optimizer.iterations, 2);
    const lossB = trainStep(
      restored.model,
      restored.optimizer,
      batches[2].images,
      batches[2].labels,
      CLASSES,
    );

    assert.equal(lossB, lossA);
    const a = model.getWeights();
    const b = restored.model.getWeights();
    assert.equal(a.length, b.length);
    a.forEach((t, i) =>
      assert.deepEqual(
        b[i].dataSync(),
        t.dataSync(),
        model.weights[i].originalName,
      )
    );
    const [optA, optB] = [
      await optimizer.getWeights(),
      await restored.optimizer.getWeights(),
    ];
    optA.forEach((w, i) =>
      assert.deepEqual(optB[i].tensor.dataSync(), w.tensor.dataSync(), w.name)
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCheckpoint() restores into a given optimizer and refuses another class", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = buildRetrievalModel(config);
    const optimizer = tf.train.adam(1e-3);
    const { images, labels } = batch(1, 2, 32, CLASSES);
    trainStep(model, optimizer, images, labels, CLASSES);
    await saveCheckpoint(dir, { model, optimizer, state: null });
    const given = tf.train.adam(5e-4);
    const restored = await loadCheckpoint(dir, { optimizer: given });
    assert.equal(restored.optimizer, given);
    assert.equal(given.iterations, 1);
    await assert.rejects(
      loadCheckpoint(dir, { optimizer: tf.train.sgd(0.1) }),
      /belongs to Adam, not SGD/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadCheckpoint() reports missing and foreign files with ModelFileError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(loadCheckpoint(dir), (e: unknown) => {
      assert.ok(e instanceof ModelFileError);
      assert.equal(e.file, `${dir}/${CHECKPOINT_JSON}`);
      return true;
    });
    await Deno.writeTextFile(
      `${dir}/${CHECKPOINT_JSON}`,
      JSON.stringify({ format: "other", version: 3 }),
    );
    await assert.rejects(
      loadCheckpoint(dir),
      /format "other" version 3 is not/,
    );
    const model = buildRetrievalModel(config);
    const optimizer = tf.train.adam(1e-3);
    await saveCheckpoint(dir, { model, optimizer, state: 1 });
    await Deno.remove(`${dir}/${OPTIMIZER_BIN}`);
    await assert.rejects(loadCheckpoint(dir), /Cannot read optimizer state/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
