import assert from "node:assert/strict";
import type { EpochRecord } from "../../../../lib/nn/train/epoch_record.ts";
import { learningHealth } from "../../../../lib/nn/train/learning_health.ts";

const epoch = (
  n: number,
  loss: number,
  top1: number,
  holdout?: number,
): EpochRecord => ({
  epoch: n,
  lr: 1e-3,
  loss,
  accuracy: { "1": top1 / 2 },
  accuracyPlain: { "1": top1 },
  ...(holdout === undefined ? {} : {
    holdout: { top1: holdout, gap: holdout / 2, seconds: 1 },
  }),
  seconds: 1,
  imagesPerSecond: 100,
});

Deno.test("learningHealth() warns about a model at chance, naming causes and params", () => {
  const stuck = [1, 2, 3].map((n) => epoch(n, 6.0 - n * 0.1, 0.004, 0.003));
  const [warning] = learningHealth(stuck, 300);
  assert.equal(warning.kind, "chance");
  assert.match(warning.message, /stayed at chance for 3 epochs/);
  assert.match(warning.message, /train\.margin_warmup/);
  assert.match(warning.message, /model\.head: \{ softmax: \{\} \}/);
  // Not before three epochs, and not once the model learns.
  assert.deepEqual(learningHealth(stuck.slice(0, 2), 300), []);
  const learning = [1, 2, 3].map((n) => epoch(n, 6 - n, 0.1 * n, 0.05 * n));
  assert.deepEqual(learningHealth(learning, 300), []);
});

Deno.test("learningHealth() warns about a loss plateau before learning, and about overfitting", () => {
  const flat = [1, 2, 3, 4].map((n) => epoch(n, 10.6 - n * 0.001, 0.2));
  const kinds = learningHealth(flat, 300).map((w) => w.kind);
  assert.deepEqual(kinds, ["plateau"]);
  // A loss that rises while a margin warm-up ramps (the landmark recipe's
  // first epochs) is not a plateau; the same losses at a steady margin are.
  const rising = [8.2, 9.2, 10.4, 11.3].map((loss, i) =>
    epoch(i + 1, loss, 0.02)
  );
  const ramping = rising.map((r, i) => ({ ...r, marginScale: 0.1 * (i + 1) }));
  assert.deepEqual(learningHealth(ramping, 316), []);
  const steady = rising.map((r) => ({ ...r, marginScale: 1 }));
  assert.deepEqual(learningHealth(steady, 316).map((w) => w.kind), ["plateau"]);
  const overfitting = [
    epoch(1, 3, 0.5, 0.40),
    epoch(2, 2, 0.7, 0.38),
    epoch(3, 1, 0.9, 0.35),
  ];
  const [warning] = learningHealth(overfitting, 10);
  assert.equal(warning.kind, "overfitting");
  assert.match(warning.message, /holdout top-1 40\.0% → 38\.0% → 35\.0%/);
});

Deno.test("learningHealth() warns about a model that learned and then collapsed, not about a plateau", () => {
  // The shape of an ArcFace run with GeM and a neck on 316 classes: train
  // top-1 rose to 22.5%, then fell to about 1% while the loss still fell.
  const tops = [
    0.02,
    0.141,
    0.211,
    0.225,
    0.209,
    0.161,
    0.134,
    0.044,
    0.007,
    0.018,
  ];
  const losses = [12.6, 18.3, 16.8, 15.7, 14.0, 12.9, 11.4, 12.0, 12.8, 12.6];
  const history = tops.map((t, i) => epoch(i + 1, losses[i], t, t / 2));
  const warnings = learningHealth(history, 316);
  assert.deepEqual(warnings.map((w) => w.kind), ["collapse"]);
  assert.match(warnings[0].message, /fell from 22\.5% at epoch 4 to 1\.8%/);
  assert.match(warnings[0].message, /train\.margin_warmup/);
  assert.match(warnings[0].message, /train\.monitor: holdout_top1/);
  // A dip that recovers, or a fall by less than half, is not a collapse.
  const dip = [...history.slice(0, 8), epoch(9, 11, 0.3, 0.15)];
  assert.ok(!learningHealth(dip, 316).some((w) => w.kind === "collapse"));
  const slide = tops.map((t, i) =>
    epoch(i + 1, losses[i], i < 4 ? t : 0.15, 0.07)
  );
  assert.ok(!learningHealth(slide, 316).some((w) => w.kind === "collapse"));
});
