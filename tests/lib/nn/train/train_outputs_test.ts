import assert from "node:assert/strict";
import {
  formatEpoch,
  formatTrainingProgress,
} from "../../../../lib/nn/train/train_outputs.ts";

const progress = {
  epoch: 2,
  step: 37,
  steps: 156,
  loss: 1.23456,
  lr: 2e-4,
  imagesPerSecond: 214.4,
  etaSeconds: 185,
};

Deno.test("formatTrainingProgress() shows the last epoch's holdout scores when there are any", () => {
  assert.equal(
    formatTrainingProgress(progress),
    "loss 1.2346  lr 2.0e-4  214 img/s  eta 3m05s",
  );
  assert.equal(
    formatTrainingProgress(progress, { top1: 0.4123, gap: 0.3, seconds: 2 }),
    "loss 1.2346  lr 2.0e-4  holdout 41.2%  214 img/s  eta 3m05s",
  );
  assert.equal(
    formatTrainingProgress(
      { ...progress, etaSeconds: 3725 },
      { top1: 0.4123, gap: 0.3, knnTop1: 0.42, knnGap: 0.31, seconds: 2 },
    ),
    "loss 1.2346  lr 2.0e-4  holdout 41.2% (kNN 42.0%)  214 img/s  eta 1h02m",
  );
});

Deno.test("formatEpoch() gives train accuracy with and without the margin, the margin's scale and the holdout", () => {
  const line = formatEpoch({
    epoch: 3,
    lr: 0.002,
    loss: 4.1234,
    accuracy: { "1": 0.12, "10": 0.4 },
    accuracyPlain: { "1": 0.253, "10": 0.4 },
    marginScale: 0.3,
    holdout: { top1: 0.201, gap: 0.1234, knnTop1: 0.21, seconds: 1 },
    seconds: 5,
    imagesPerSecond: 812.2,
  }, 30);
  assert.equal(
    line,
    "epoch 3/30: loss 4.1234, top-1 12.0% (without the margin 25.3%), top-10 40.0%, lr 0.002, margin ×0.30, 812 img/s; holdout top-1 20.1%, GAP 0.1234, kNN top-1 21.0%",
  );
});
