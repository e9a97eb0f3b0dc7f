import { planEfficientNetV2 } from "../../../../lib/nn/model/efficientnetv2/plan.ts";
import assert from "node:assert/strict";
import type * as tfl from "@tensorflow/tfjs-layers";
import h5wasm from "h5wasm";
import "../_cpu.ts";
import {
  buildRetrievalModel,
  isHeadWeight,
} from "../../../../lib/nn/model/retrieval_model.ts";
import {
  importWeights,
  WeightImportError,
  weightKey,
} from "../../../../lib/nn/model/import_weights.ts";
import { readKerasH5Weights } from "../../../../lib/nn/model/keras_h5.ts";
import {
  readPretrainedWeights,
  readTfjsWeights,
} from "../../../../lib/nn/model/pretrained_weights.ts";
import { saveModel } from "../../../../lib/nn/model/model_io.ts";
import { ModelFileError } from "../../../../lib/nn/model/model_file_error.ts";
import { type H5Layer, writeKerasH5 } from "./testdata/_keras_h5_writer.ts";

const base = {
  backbone: planEfficientNetV2({ variant: "pico" }),
  imgSize: 32,
  classes: 4,
};

/** The model's weights grouped by layer, with Keras names, plus a 1000-class top the model lacks. */
function kerasLayers(model: tfl.LayersModel): H5Layer[] {
  const layers = new Map<string, H5Layer>();
  const values = model.getWeights();
  model.weights.forEach((w, i) => {
    const layer = w.originalName.split("/")[0];
    if (isHeadWeight(w.originalName)) return;
    if (!layers.has(layer)) layers.set(layer, { name: layer, weights: [] });
    layers.get(layer)!.weights.push({
      name: `${w.originalName}:0`,
      shape: w.shape as number[],
      data: values[i].dataSync() as Float32Array,
    });
  });
  const predictions: H5Layer = {
    name: "predictions",
    weights: [{
      name: "predictions/kernel:0",
      shape: [256, 3],
      data: new Float32Array(768),
    }],
  };
  return [...layers.values(), { name: "avg_pool", weights: [] }, predictions];
}

function backboneValues(model: tfl.LayersModel): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const values = model.getWeights();
  model.weights.forEach((w, i) => {
    if (!isHeadWeight(w.originalName)) {
      out.set(w.originalName, Array.from(values[i].dataSync()));
    }
  });
  return out;
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("weightKey() reduces Keras and tfjs names to <layer>/<weight>", () => {
  assert.equal(weightKey("stem_conv/kernel:0"), "stem_conv/kernel");
  assert.equal(
    weightKey("efficientnetv2-s/block1a_project_bn/moving_mean:0"),
    "block1a_project_bn/moving_mean",
  );
  assert.equal(weightKey("arc_margin/W"), "arc_margin/W");
});

Deno.test("readKerasH5Weights() + importWeights() load a Keras .h5 backbone by name", async () => {
  await withDir(async (dir) => {
    const source = buildRetrievalModel({ ...base, seed: 1 });
    const path = `${dir}/efficientnetv2-pico_notop.h5`;
    await writeKerasH5(path, kerasLayers(source));
    const weights = await readKerasH5Weights(path);
    assert.deepEqual(weights.get("stem_conv/kernel")?.shape, [3, 3, 3, 16]);

    const target = buildRetrievalModel({ ...base, seed: 2 });
    const headBefore = target.getLayer("arc_margin").getWeights()[0].dataSync()
      .slice();
    const report = importWeights(target, weights, {
      select: (key) => !isHeadWeight(key),
      source: path,
    });
    assert.deepEqual(report.unused, ["predictions/kernel"]);
    assert.equal(report.loaded.length, target.weights.length - 1);
    assert.deepEqual(backboneValues(target), backboneValues(source));
    assert.deepEqual(
      target.getLayer("arc_margin").getWeights()[0].dataSync(),
      headBefore,
      "the head keeps its init",
    );
  });
});

Deno.test("importWeights() lists every missing and mismatched weight and assigns nothing", async () => {
  await withDir(async (dir) => {
    const source = buildRetrievalModel({ ...base, seed: 1 });
    const layers = kerasLayers(source).filter((l) => l.name !== "stem_bn");
    const top = layers.find((l) => l.name === "top_conv")!;
    top.weights[0] = {
      name: "top_conv/kernel:0",
      shape: [1, 1, 96, 128],
      data: new Float32Array(96 * 128),
    };
    const path = `${dir}/wrong.h5`;
    await writeKerasH5(path, layers);
    const weights = await readKerasH5Weights(path);
    const target = buildRetrievalModel({ ...base, seed: 2 });
    const before = backboneValues(target);
    assert.throws(
      () =>
        importWeights(target, weights, {
          select: (k) => !isHeadWeight(k),
          source: path,
        }),
      (e: unknown) => {
        assert.ok(
          e instanceof WeightImportError && e instanceof ModelFileError,
        );
        assert.deepEqual(e.missing.map((m) => m.name), [
          "stem_bn/gamma",
          "stem_bn/beta",
          "stem_bn/moving_mean",
          "stem_bn/moving_variance",
        ]);
        assert.deepEqual(e.mismatched, [{
          name: "top_conv/kernel",
          expected: [1, 1, 96, 256],
          found: [1, 1, 96, 128],
        }]);
        assert.match(
          e.message,
          /^Cannot import weights from ".*wrong\.h5": 4 missing \(stem_bn\/gamma, /,
        );
        assert.match(
          e.message,
          /1 with another shape \(top_conv\/kernel: model \[1,1,96,256\], file \[1,1,96,128\]\)/,
        );
        return true;
      },
    );
    assert.deepEqual(backboneValues(target), before);
  });
});

Deno.test("readPretrainedWeights() reads a tfjs model directory", async () => {
  await withDir(async (dir) => {
    const source = buildRetrievalModel({ ...base, seed: 1 });
    await saveModel(source, dir);
    const weights = await readPretrainedWeights(dir);
    assert.deepEqual(weights, await readTfjsWeights(dir));
    const target = buildRetrievalModel({ ...base, seed: 2 });
    importWeights(target, weights);
    assert.deepEqual(backboneValues(target), backboneValues(source));
    assert.deepEqual(
      Array.from(target.getLayer("arc_margin").getWeights()[0].dataSync()),
      Array.from(source.getLayer("arc_margin").getWeights()[0].dataSync()),
    );
  });
});

Deno.test("readPretrainedWeights() rejects other files and non-Keras HDF5", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/weights.txt`, "x");
    await assert.rejects(
      readPretrainedWeights(`${dir}/weights.txt`),
      /neither a directory nor a \.h5 file/,
    );
    await assert.rejects(
      readPretrainedWeights(`${dir}/absent.h5`),
      ModelFileError,
    );
    await Deno.writeTextFile(`${dir}/garbage.h5`, "not hdf5");
    await assert.rejects(
      readKerasH5Weights(`${dir}/garbage.h5`),
      /Cannot open ".*garbage\.h5" as HDF5: the HDF5 signature is missing/,
    );
    const { FS } = await h5wasm.ready;
    const file = new h5wasm.File("/plain.h5", "w");
    file.create_dataset({ name: "x", data: new Float32Array(2), shape: [2] });
    file.close();
    await Deno.writeFile(`${dir}/plain.h5`, FS.readFile("/plain.h5"));
    FS.unlink("/plain.h5");
    await assert.rejects(
      readKerasH5Weights(`${dir}/plain.h5`),
      /it has no "layer_names" attribute/,
    );
  });
});
