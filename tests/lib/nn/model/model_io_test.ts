import { planEfficientNetV2 } from "../../../../lib/nn/model/efficientnetv2/plan.ts";
import assert from "node:assert/strict";
import type * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "../_cpu.ts";
import { batch } from "../_train_step.ts";
import { buildRetrievalModel } from "../../../../lib/nn/model/retrieval_model.ts";
import {
  loadModel,
  MODEL_JSON,
  modelLoadHandler,
  saveModel,
  WEIGHTS_BIN,
} from "../../../../lib/nn/model/model_io.ts";
import { ModelFileError } from "../../../../lib/nn/model/model_file_error.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("saveModel() writes a tfjs layers-model that loadModel() restores exactly", async () => {
  await withDir(async (dir) => {
    const model = buildRetrievalModel({
      backbone: planEfficientNetV2({ variant: "pico" }),
      imgSize: 32,
      classes: 7,
      neck: 16,
      dropout: 0.1,
      head: { kind: "arcface", subcenters: 2, lsEps: 0.1 },
    });
    await saveModel(model, dir);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/${MODEL_JSON}`));
    assert.equal(json.format, "layers-model");
    assert.deepEqual(json.weightsManifest[0].paths, [WEIGHTS_BIN]);
    const classNames = new Set(
      json.modelTopology.config.layers.map((l: { class_name: string }) =>
        l.class_name
      ),
    );
    for (const custom of ["ArcMarginProduct", "DropPath", "SeededDropout"]) {
      assert.ok(classNames.has(custom), custom);
    }
    const loaded = await loadModel(dir);
    const { images, labels } = batch(4, 3, 32, 7);
    const before = model.apply([images, labels]) as tf.Tensor;
    const after = loaded.apply([images, labels]) as tf.Tensor;
    assert.deepEqual(after.dataSync(), before.dataSync());
    assert.equal(loaded.getLayer("arc_margin").getConfig().subcenters, 2);
  });
});

Deno.test("tf.loadLayersModel() reads a saved model through modelLoadHandler()", async () => {
  await withDir(async (dir) => {
    const model = buildRetrievalModel({
      backbone: planEfficientNetV2({ variant: "pico" }),
      imgSize: 32,
      classes: 3,
      head: { kind: "softmax" },
    });
    await saveModel(model, dir);
    const loaded = await tfl.loadLayersModel(modelLoadHandler(dir));
    assert.equal(loaded.countParams(), model.countParams());
  });
});

Deno.test("loadModel() reports a missing model, a bad JSON and truncated weights", async () => {
  await withDir(async (dir) => {
    await assert.rejects(loadModel(`${dir}/nothing`), (e: unknown) => {
      assert.ok(e instanceof ModelFileError);
      assert.equal(e.file, `${dir}/nothing/${MODEL_JSON}`);
      assert.match(e.message, /^Cannot read model ".*nothing\/model\.json"/);
      return true;
    });
    await Deno.writeTextFile(`${dir}/${MODEL_JSON}`, "{ not json");
    await assert.rejects(loadModel(dir), /Cannot parse model/);
    await Deno.writeTextFile(`${dir}/${MODEL_JSON}`, "{}");
    await assert.rejects(loadModel(dir), /it has no "modelTopology"/);
    const model = buildRetrievalModel({
      backbone: planEfficientNetV2({ variant: "pico" }),
      imgSize: 32,
      classes: 3,
    });
    await saveModel(model, dir);
    const bytes = await Deno.readFile(`${dir}/${WEIGHTS_BIN}`);
    await Deno.writeFile(`${dir}/${WEIGHTS_BIN}`, bytes.subarray(0, 1000));
    await assert.rejects(
      loadModel(dir),
      /the manifest describes \d+ bytes, the files hold 1000/,
    );
    const json = JSON.parse(await Deno.readTextFile(`${dir}/${MODEL_JSON}`));
    json.weightsManifest[0].paths = ["../escape.bin"];
    await Deno.writeTextFile(`${dir}/${MODEL_JSON}`, JSON.stringify(json));
    await assert.rejects(loadModel(dir), /leaves the model directory/);
  });
});
