import { planEfficientNetV2 } from "../../lib/nn/model/efficientnetv2/plan.ts";
import assert from "node:assert/strict";
import "../lib/nn/_cpu.ts";
import train from "../../stages/train.ts";
import evaluate from "../../stages/evaluate.ts";
import { createStageContext } from "../../runner/child/stage_context.ts";
import { makeDecodeDir, makeIngestDir } from "../testdata/dataset_fixtures.ts";
import {
  buildRetrievalModel,
  type HeadConfig,
} from "../../lib/nn/model/retrieval_model.ts";
import { saveModel } from "../../lib/nn/model/model_io.ts";
import type { TrainHistory } from "../../lib/nn/train/train_outputs.ts";

/** A decode artifact (24 train + 6 holdout images, 3 classes, 32 px) and an initial pico model. */
async function fixtures(
  root: string,
  head: HeadConfig = { kind: "arcface" },
): Promise<{ decode: string; model: string }> {
  const ingest = await makeIngestDir(`${root}/data`);
  const decode = await makeDecodeDir(ingest, `${root}/decode`, {
    mode: "materialize",
    imgSize: 32,
  });
  const model = `${root}/model`;
  await Deno.mkdir(model);
  await saveModel(
    buildRetrievalModel({
      backbone: planEfficientNetV2({ variant: "pico" }),
      imgSize: 32,
      classes: 3,
      seed: 3,
      head,
    }),
    model,
  );
  return { decode, model };
}

async function runTrain(
  root: string,
  name: string,
  inputs: { decode: string; model: string },
  params: unknown,
) {
  const outDir = `${root}/${name}`;
  await Deno.mkdir(outDir);
  const { ctx } = createStageContext({
    stage: "train",
    params: train.params.parse(params),
    inputs,
    outDir,
    pipelineDir: root,
    seed: 11,
    checkpointDir: `${root}/${name}.checkpoints`,
  });
  const summary = await train.run(ctx);
  const history = JSON.parse(
    await Deno.readTextFile(`${outDir}/history.json`),
  ) as TrainHistory;
  return { outDir, summary, history };
}

const withoutTimes = (history: TrainHistory) =>
  history.epochs.map(
    ({ seconds: _s, imagesPerSecond: _i, holdout, ...rest }) => {
      if (!holdout) return rest;
      const { seconds: _h, ...scores } = holdout;
      return { ...rest, holdout: scores };
    },
  );

Deno.test("train stage writes history.json with the schedule and per-epoch metrics, and the best-loss checkpoint", async () => {
  const root = await Deno.makeTempDir();
  try {
    const inputs = await fixtures(root);
    const params = {
      epochs: 3,
      batch_size: 8,
      backend: "wasm",
      replicas: 1,
      top_k: [1, 2, 10],
      lr: {
        schedule: "ramp-cosine",
        start: 1e-4,
        max: 3e-3,
        final: 1e-4,
        rampup_epochs: 1,
        sustain_epochs: 1,
      },
    };
    const { outDir, history, summary } = await runTrain(
      root,
      "train",
      inputs,
      params,
    );
    assert.equal(history.backend, "wasm");
    assert.equal(history.stepsPerEpoch, 3); // 24 train images // 8
    // The notebook's lrfn: ramp, sustain, then a cosine that reaches `final` after one decay epoch.
    assert.deepEqual(history.lrSchedule, [1e-4, 3e-3, 1e-4]);
    assert.deepEqual(history.epochs.map((e) => e.epoch), [1, 2, 3]);
    assert.deepEqual(history.epochs.map((e) => e.lr), history.lrSchedule);
    // k is capped at the 3 classes; top-3 is then trivially 1.
    assert.deepEqual(Object.keys(history.epochs[0].accuracy), ["1", "2", "3"]);
    assert.equal(history.epochs[2].accuracy["3"], 1);
    const losses = history.epochs.map((e) => e.loss);
    const bestIndex = losses.indexOf(Math.min(...losses));
    assert.deepEqual(history.best, {
      epoch: bestIndex + 1,
      loss: losses[bestIndex],
      holdout: history.epochs[bestIndex].holdout,
    });
    // The holdout was scored after every epoch (classifier only by default).
    for (const e of history.epochs) {
      assert.ok(e.holdout!.top1 >= 0 && e.holdout!.top1 <= 1);
      assert.equal(e.holdout!.knnTop1, undefined);
      assert.ok(e.accuracyPlain!["1"] >= 0);
    }
    for (
      const file of [
        "model.json",
        "weights.bin",
        "optimizer.bin",
        "checkpoint.json",
      ]
    ) {
      assert.ok((await Deno.stat(`${outDir}/best/${file}`)).size > 0, file);
    }
    assert.equal(summary?.best_epoch, bestIndex + 1);

    // evaluate reads the best checkpoint and scores the 6 holdout images both ways.
    const evaluateInto = async (name: string, replicas?: number) => {
      const dir = `${root}/${name}`;
      await Deno.mkdir(dir);
      const { ctx } = createStageContext({
        stage: "evaluate",
        params: evaluate.params.parse({
          backend: "wasm",
          batch_size: 4,
          knn: { k: 3 },
          ...(replicas === undefined ? {} : { replicas }),
        }),
        inputs: { train: outDir, decode: inputs.decode },
        outDir: dir,
      });
      const summary = await evaluate.run(ctx);
      return { summary, json: await Deno.readTextFile(`${dir}/metrics.json`) };
    };
    const evaluated = await evaluateInto("evaluate");
    const evalSummary = evaluated.summary;
    const metrics = JSON.parse(evaluated.json);
    assert.equal(metrics.queries, 6);
    assert.equal(metrics.classes, 3);
    for (const block of [metrics.classifier, metrics.knn]) {
      assert.deepEqual(Object.keys(block.topk), ["1", "3"]);
      assert.equal(block.topk["3"], 1);
      const confusion = block.confusion as number[][];
      assert.equal(confusion.flat().reduce((a, b) => a + b, 0), 6);
      // The diagonal is the top-1 hits.
      assert.equal(
        confusion.reduce((sum, row, i) => sum + row[i], 0) / 6,
        block.topk["1"],
      );
      assert.ok(block.gap >= 0 && block.gap <= 1);
    }
    assert.equal(metrics.knn.k, 3);
    assert.equal(evalSummary?.classifier_top1, metrics.classifier.topk["1"]);

    // Two workers embed each batch's halves: the metrics of one model in
    // the stage's own thread, to the last bit.
    assert.equal(
      (await evaluateInto("evaluate-2", 2)).json,
      (await evaluateInto("evaluate-1", 1)).json,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("train stage resumed from its epoch checkpoint ends with the history of an uninterrupted run", async () => {
  const root = await Deno.makeTempDir();
  try {
    const inputs = await fixtures(root);
    const params = {
      epochs: 3,
      batch_size: 8,
      backend: "wasm",
      replicas: 2,
      lr: { schedule: "constant", value: 2e-3 },
    };
    const whole = await runTrain(root, "whole", inputs, params);
    // An attempt that stopped after epoch 2: its checkpoint store holds "last" at epoch 2.
    await runTrain(root, "first", inputs, { ...params, epochs: 2 });
    await Deno.rename(
      `${root}/first.checkpoints`,
      `${root}/resumed.checkpoints`,
    );
    const resumed = await runTrain(root, "resumed", inputs, params);
    assert.deepEqual(
      withoutTimes(resumed.history),
      withoutTimes(whole.history),
    );
    assert.deepEqual(
      await Deno.readFile(`${root}/resumed/best/weights.bin`),
      await Deno.readFile(`${root}/whole/best/weights.bin`),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("train stage stops on a non-finite loss with a clear error and a hint", async () => {
  const root = await Deno.makeTempDir();
  try {
    const inputs = await fixtures(root);
    const params = {
      epochs: 3,
      batch_size: 8,
      backend: "wasm",
      replicas: 1,
      lr: { schedule: "constant", value: 1e38 },
    };
    await assert.rejects(
      () => runTrain(root, "diverged", inputs, params),
      (error: Error & { hint?: string }) =>
        error.name === "TrainingDivergedError" &&
        /loss became (NaN|Infinity|-Infinity)/.test(error.message) &&
        /lower the learning rate/.test(error.hint ?? ""),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("train stage trains, evaluates and resumes the softmax head", async () => {
  const root = await Deno.makeTempDir();
  try {
    const inputs = await fixtures(root, { kind: "softmax" });
    const params = {
      epochs: 3,
      batch_size: 8,
      backend: "wasm",
      replicas: 2,
      lr: { schedule: "constant", value: 3e-3 },
      monitor: "holdout_top1",
    };
    const whole = await runTrain(root, "whole", inputs, params);
    const losses = whole.history.epochs.map((e) => e.loss);
    assert.ok(Math.min(...losses.slice(1)) < losses[0], `losses ${losses}`);
    // Without a margin, both train accuracies are the same number.
    for (const e of whole.history.epochs) {
      assert.deepEqual(e.accuracyPlain, e.accuracy);
    }
    await runTrain(root, "first", inputs, { ...params, epochs: 2 });
    await Deno.rename(
      `${root}/first.checkpoints`,
      `${root}/resumed.checkpoints`,
    );
    const resumed = await runTrain(root, "resumed", inputs, params);
    assert.deepEqual(
      withoutTimes(resumed.history),
      withoutTimes(whole.history),
    );
    const out = `${root}/evaluated`;
    await Deno.mkdir(out);
    const { ctx } = createStageContext({
      stage: "evaluate",
      params: evaluate.params.parse({ backend: "wasm" }),
      inputs: { train: whole.outDir, decode: inputs.decode },
      outDir: out,
    });
    await evaluate.run(ctx);
    const metrics = JSON.parse(await Deno.readTextFile(`${out}/metrics.json`));
    assert.equal(metrics.queries, 6);
    const best = whole.history.best!;
    // The best checkpoint by holdout top-1 scores on the holdout what its epoch scored.
    assert.equal(metrics.classifier.topk["1"], best.holdout!.top1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
