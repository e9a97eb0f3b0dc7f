import { planEfficientNetV2 } from "../../lib/nn/model/efficientnetv2/plan.ts";
import assert from "node:assert/strict";
import "../lib/nn/_cpu.ts";
import definition from "../../stages/model.ts";
import { createStageContext } from "../../runner/child/stage_context.ts";
import { loadModel } from "../../lib/nn/model/model_io.ts";
import {
  buildRetrievalModel,
  isHeadWeight,
} from "../../lib/nn/model/retrieval_model.ts";
import { retrievalInference } from "../../lib/nn/model/retrieval_inference.ts";
import { weightsDigest } from "../lib/nn/model/testdata/_weights_digest.ts";
import {
  type H5Layer,
  writeKerasH5,
} from "../lib/nn/model/testdata/_keras_h5_writer.ts";

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function runStage(
  root: string,
  name: string,
  params: unknown,
  inputs: Record<string, string> = {},
  seed = 5,
) {
  const outDir = `${root}/${name}`;
  await Deno.mkdir(outDir);
  const { ctx } = createStageContext({
    stage: "model",
    params: definition.params.parse(params),
    inputs,
    outDir,
    pipelineDir: root,
    seed,
  });
  const summary = await definition.run(ctx);
  return { outDir, summary };
}

Deno.test("model stage params default to the notebook's EfficientNetV2-S + ArcFace(s=30, m=0.5)", () => {
  const p = definition.params.parse({});
  assert.equal(p.backbone, "efficientnetv2-s");
  assert.deepEqual(p.head, {
    arcface: {
      s: 30,
      m: 0.5,
      easy_margin: false,
      ls_eps: 0,
      subcenters: 1,
      dynamic_margin: false,
    },
  });
  assert.equal(p.dropout, 0);
  assert.equal(p.pretrained_scope, "backbone");
  assert.deepEqual(definition.params.parse({ head: { softmax: {} } }).head, {
    softmax: {},
  });
  assert.deepEqual(
    definition.params.parse({ head: { arcface: { s: 16 } } }).head,
    {
      arcface: {
        s: 16,
        m: 0.5,
        easy_margin: false,
        ls_eps: 0,
        subcenters: 1,
        dynamic_margin: false,
      },
    },
  );
  assert.throws(() =>
    definition.params.parse({ backbone: "efficientnetv2-xl" })
  );
  assert.throws(() => definition.params.parse({ head: { cosface: {} } }));
  assert.throws(() => definition.params.parse({ img_size: 64, imgsize: 64 }));
  assert.deepEqual(
    definition.reads!(definition.params.parse({ pretrained: "w/b0.h5" })),
    ["w/b0.h5"],
  );
});

Deno.test("model stage writes the seeded model, its config and a Keras-style summary", async () => {
  await withDir(async (root) => {
    await Deno.mkdir(`${root}/ingest`);
    await Deno.writeTextFile(
      `${root}/ingest/dataset.json`,
      JSON.stringify({ classes: 10, records: 100 }),
    );
    const params = {
      backbone: "efficientnetv2-pico",
      img_size: 32,
      neck: 24,
      head: { arcface: { s: 20 } },
    };
    const { outDir, summary } = await runStage(root, "a", params, {
      ingest: `${root}/ingest`,
    });
    const files = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    assert.deepEqual(files, [
      "model.json",
      "model_config.json",
      "summary.txt",
      "weights.bin",
    ]);
    const config = JSON.parse(
      await Deno.readTextFile(`${outDir}/model_config.json`),
    );
    assert.equal(config.config.classes, 10);
    assert.equal(config.config.imgSize, 32);
    assert.equal(config.config.seed, 5);
    assert.deepEqual(config.config.head, {
      kind: "arcface",
      s: 20,
      m: 0.5,
      easyMargin: false,
      lsEps: 0,
      subcenters: 1,
    });
    assert.equal(
      config.params.total,
      config.params.trainable + config.params.nonTrainable,
    );
    assert.deepEqual(summary, {
      backbone: "efficientnetv2-pico",
      imgSize: 32,
      classes: 10,
      head: "arcface",
      params: config.params.total,
    });
    const text = await Deno.readTextFile(`${outDir}/summary.txt`);
    assert.match(text, /^Model: "retrieval-efficientnetv2-pico"/);
    assert.match(
      text,
      / arc_margin \(ArcMarginProduct\)\s+\(None, 10\)\s+240\s+neck_bn\[0\]\[0\]/,
    );
    assert.match(
      text,
      new RegExp(
        `Total params: ${config.params.total.toLocaleString("en-US")}\\n`,
      ),
    );

    const model = await loadModel(outDir);
    assert.equal(retrievalInference(model).head, "arcface");
    const rebuilt = buildRetrievalModel({ ...config.config });
    assert.equal(
      await weightsDigest(model),
      await weightsDigest(rebuilt),
      "the seed alone fixes the weights",
    );
    const again = await runStage(root, "b", params, {
      ingest: `${root}/ingest`,
    });
    assert.equal(
      await weightsDigest(await loadModel(again.outDir)),
      await weightsDigest(model),
    );
    const other = await runStage(root, "c", params, {
      ingest: `${root}/ingest`,
    }, 6);
    assert.notEqual(
      await weightsDigest(await loadModel(other.outDir)),
      await weightsDigest(model),
    );
  });
});

Deno.test("model stage imports pretrained backbone weights from a Keras .h5", async () => {
  await withDir(async (root) => {
    const source = buildRetrievalModel({
      backbone: planEfficientNetV2({ variant: "pico" }),
      imgSize: 32,
      classes: 3,
      seed: 99,
    });
    const layers = new Map<string, H5Layer>();
    const values = source.getWeights();
    source.weights.forEach((w, i) => {
      if (isHeadWeight(w.originalName)) return;
      const layer = w.originalName.split("/")[0];
      if (!layers.has(layer)) layers.set(layer, { name: layer, weights: [] });
      layers.get(layer)!.weights.push({
        name: `${w.originalName}:0`,
        shape: w.shape as number[],
        data: values[i].dataSync() as Float32Array,
      });
    });
    await Deno.mkdir(`${root}/weights`);
    await writeKerasH5(`${root}/weights/pico.h5`, [...layers.values()]);
    const params = {
      backbone: "efficientnetv2-pico",
      img_size: 32,
      classes: 3,
      pretrained: "weights/pico.h5",
    };
    const { outDir } = await runStage(root, "m", params);
    const config = JSON.parse(
      await Deno.readTextFile(`${outDir}/model_config.json`),
    );
    assert.deepEqual(config.pretrained, {
      path: "weights/pico.h5",
      scope: "backbone",
      loaded: source.weights.length - 1,
      unused: [],
    });
    const model = await loadModel(outDir);
    const stem = model.getLayer("top_conv").getWeights()[0].dataSync();
    assert.deepEqual(
      stem,
      source.getLayer("top_conv").getWeights()[0].dataSync(),
    );
    assert.notDeepEqual(
      model.getLayer("arc_margin").getWeights()[0].dataSync(),
      source.getLayer("arc_margin").getWeights()[0].dataSync(),
    );
    await assert.rejects(
      runStage(root, "n", { ...params, backbone: "efficientnetv2-nano" }),
      /Cannot import weights from "weights\/pico.h5": .* missing/,
    );
  });
});

Deno.test("model stage explains a missing or conflicting class count", async () => {
  await withDir(async (root) => {
    await assert.rejects(
      runStage(root, "a", { backbone: "efficientnetv2-pico" }),
      /the class count is unknown/,
    );
    await Deno.mkdir(`${root}/ingest`);
    await Deno.writeTextFile(
      `${root}/ingest/dataset.json`,
      JSON.stringify({ classes: 10 }),
    );
    await assert.rejects(
      runStage(root, "b", { backbone: "efficientnetv2-pico", classes: 5 }, {
        ingest: `${root}/ingest`,
      }),
      /classes 5 differs from the 10 classes of the ingest input/,
    );
  });
});
