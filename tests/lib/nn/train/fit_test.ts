import { planEfficientNetV2 } from "../../../../lib/nn/model/efficientnetv2/plan.ts";
import assert from "node:assert/strict";
import { useBackend } from "../../../../lib/nn/backend.ts";
import { buildRetrievalModel } from "../../../../lib/nn/model/retrieval_model.ts";
import { createTrainer } from "../../../../lib/nn/train/trainer.ts";
import {
  bestEpochIndex,
  fit,
  stopsEarly,
} from "../../../../lib/nn/train/fit.ts";
import type { EpochRecord } from "../../../../lib/nn/train/epoch_record.ts";
import { keyedRandom } from "../../../../lib/random/keyed_random.ts";

const IMG = 16, CLASSES = 5, BATCH = 32, HOLDOUT = 100;

/** Noise images with labels drawn independently of them: nothing to learn. */
function shuffledBatch(epoch: number, step: number, size = BATCH) {
  const rng = keyedRandom(9, "noise", epoch, step);
  const images = Float32Array.from(
    { length: size * IMG * IMG * 3 },
    () => rng.next() * 2 - 1,
  );
  const labels = Int32Array.from({ length: size }, () => rng.int(CLASSES));
  return { images, labels, size };
}

/** A seeded pico model at IMG px and a wasm trainer over it. */
async function picoTrainer() {
  await useBackend("wasm");
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "pico", dropPath: 0 }),
    imgSize: IMG,
    classes: CLASSES,
    seed: 1,
  });
  const trainer = await createTrainer({ model, backend: "wasm", topK: [1] });
  return { model, trainer };
}

Deno.test("fit() on labels that do not match the images warns that the model is not learning", async () => {
  const { model, trainer } = await picoTrainer();
  const warnings: string[] = [];
  try {
    const history = await fit({
      trainer,
      steps: 3,
      schedule: [1e-3, 1e-3, 1e-3, 1e-3],
      classes: CLASSES,
      batches: async function* (epoch) {
        for (let step = 0; step < 3; step++) yield shuffledBatch(epoch, step);
      },
      validate: async () => {
        // A fixed holdout of noise, scored by the trainer's own predictions.
        const { images, labels } = shuffledBatch(99, 0, HOLDOUT);
        const { logits } = await trainer.predict(images);
        let hits = 0;
        labels.forEach((label, i) => {
          const row = logits.subarray(i * CLASSES, (i + 1) * CLASSES);
          if (row.indexOf(Math.max(...row)) === label) hits++;
        });
        return { top1: hits / HOLDOUT, gap: 0, seconds: 0 };
      },
      onWarning: (message) => warnings.push(message),
    });
    assert.equal(history.length, 4);
    assert.equal(warnings.length >= 1, true, JSON.stringify(history));
    assert.match(warnings[0], /the model is not learning/);
    // Each kind of warning comes once, even though the condition persists.
    assert.equal(
      warnings.filter((w) => w.includes("not learning")).length,
      1,
    );
  } finally {
    await trainer.dispose();
    model.dispose();
  }
});

Deno.test("fit() with lrPerStep hands each step its interpolated rate and records each epoch's first", async () => {
  const { model, trainer } = await picoTrainer();
  const rates: number[] = [];
  const progress: number[] = [];
  try {
    const history = await fit({
      trainer: {
        step: (images, labels, lr, options) => {
          rates.push(lr);
          return trainer.step(images, labels, lr, options);
        },
      },
      steps: 2,
      schedule: [1e-4, 1e-3],
      lrPerStep: true,
      batches: async function* (epoch) {
        for (let step = 0; step < 2; step++) yield shuffledBatch(epoch, step);
      },
      onStep: (p) => progress.push(p.lr),
    });
    assert.deepEqual(rates, [1e-4, 5.5e-4, 1e-3, 1e-3]);
    assert.deepEqual(progress, rates);
    assert.deepEqual(history.map((r) => r.lr), [1e-4, 1e-3]);
  } finally {
    await trainer.dispose();
    model.dispose();
  }
});

const record = (epoch: number, loss: number, top1: number): EpochRecord => ({
  epoch,
  lr: 1e-3,
  loss,
  accuracy: {},
  holdout: { top1, gap: top1, seconds: 0 },
  seconds: 0,
  imagesPerSecond: 0,
});

Deno.test("bestEpochIndex() and stopsEarly() follow the chosen monitor", () => {
  const history = [
    record(1, 3, 0.1),
    record(2, 2, 0.4),
    record(3, 1, 0.3),
    record(4, 0.5, 0.35),
  ];
  assert.equal(bestEpochIndex(history, "loss"), 3);
  assert.equal(bestEpochIndex(history, "holdout_top1"), 1);
  assert.equal(bestEpochIndex(history, "holdout_knn_top1"), -1);
  assert.equal(stopsEarly(history, "holdout_top1", 2), true);
  assert.equal(stopsEarly(history, "holdout_top1", 3), false);
  assert.equal(stopsEarly(history, "loss", 1), false);
  assert.equal(stopsEarly(history, "loss", undefined), false);
});

Deno.test("bestEpochIndex() by loss ignores epochs of a margin warm-up once the full margin is reached", () => {
  const warm = [
    { ...record(1, 2, 0), marginScale: 0 },
    { ...record(2, 5, 0), marginScale: 0.5 },
    { ...record(3, 9, 0), marginScale: 1 },
    { ...record(4, 8, 0), marginScale: 1 },
  ];
  assert.equal(bestEpochIndex(warm, "loss"), 3);
  // Still warming up: the lowest loss so far.
  assert.equal(bestEpochIndex(warm.slice(0, 2), "loss"), 0);
});
