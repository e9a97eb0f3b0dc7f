/**
 * Saves and loads a tfjs LayersModel as `model.json` + `weights.bin` in a
 * directory, through custom IO handlers (tfjs's `file://` handler belongs to
 * tfjs-node and does not exist under Deno). The files are the standard tfjs
 * layers-model format, so `tf.loadLayersModel` reads them through
 * {@linkcode modelLoadHandler}, and tfjs tools can read them too.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { ModelFileError } from "./model_file_error.ts";
// Registers this project's custom layers, so every model it saves loads again.
import "./arcface.ts";
import "./seeded_dropout.ts";

/** File name of the model topology and weights manifest. */
export const MODEL_JSON = "model.json";
/** File name of the concatenated weights. */
export const WEIGHTS_BIN = "weights.bin";

/** An IO handler that writes `model.json` and `weights.bin` into `dir` (which must exist). */
export function modelSaveHandler(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    const topology = artifacts.modelTopology;
    if (topology === undefined || topology instanceof ArrayBuffer) {
      throw new TypeError(
        `Cannot save the model into "${dir}": it has no JSON topology`,
      );
    }
    const data = artifacts.weightData === undefined
      ? new ArrayBuffer(0)
      : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
    const json: tf.io.ModelJSON = {
      modelTopology: topology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{
        paths: [WEIGHTS_BIN],
        weights: artifacts.weightSpecs ?? [],
      }],
    };
    if (artifacts.trainingConfig !== undefined) {
      json.trainingConfig = artifacts.trainingConfig;
    }
    if (artifacts.userDefinedMetadata !== undefined) {
      json.userDefinedMetadata = artifacts.userDefinedMetadata;
    }
    await Deno.writeFile(`${dir}/${WEIGHTS_BIN}`, new Uint8Array(data));
    await Deno.writeTextFile(`${dir}/${MODEL_JSON}`, JSON.stringify(json));
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: "JSON",
        weightDataBytes: data.byteLength,
      },
    };
  });
}

/**
 * An IO handler that reads a tfjs layers-model directory (`model.json` and
 * the weight files its manifest names, relative to it).
 *
 * @throws {ModelFileError} (from `load`) for a missing or malformed file
 */
export function modelLoadHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const path = `${dir}/${MODEL_JSON}`;
      const json = await readModelJson(path);
      return await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: Uint8Array[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const file of group.paths) {
            parts.push(await readWeightFile(dir, file));
          }
        }
        const data = concat(parts);
        const expected = expectedBytes(specs);
        if (expected !== undefined && expected !== data.byteLength) {
          throw new ModelFileError(
            `Cannot read the weights of "${path}": the manifest describes ${expected} bytes, the files hold ${data.byteLength}`,
            path,
            "the weight files do not belong to this model.json or are truncated",
          );
        }
        return [specs, data.buffer as ArrayBuffer];
      });
    },
  };
}

/** Saves `model` into the existing directory `dir` as `model.json` + `weights.bin`. */
export async function saveModel(
  model: tfl.LayersModel,
  dir: string,
): Promise<tf.io.SaveResult> {
  return await model.save(modelSaveHandler(dir));
}

/**
 * Loads a model saved by {@linkcode saveModel} (or any tfjs layers-model
 * directory). This project's custom layers (ArcMarginProduct, DropPath,
 * SeededDropout) are registered by this module; others must be registered
 * by their modules first.
 *
 * @throws {ModelFileError} for a missing or malformed file
 */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  return await tfl.loadLayersModel(modelLoadHandler(dir));
}

async function readModelJson(path: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (cause) {
    throw new ModelFileError(
      `Cannot read model "${path}": ${(cause as Error).message}`,
      path,
      undefined,
      { cause },
    );
  }
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ModelFileError(
      `Cannot parse model "${path}": ${(cause as Error).message}`,
      path,
      undefined,
      { cause },
    );
  }
  if (
    typeof json !== "object" || json === null ||
    json.modelTopology === undefined
  ) {
    throw new ModelFileError(
      `Cannot read model "${path}": it has no "modelTopology"`,
      path,
      "expected a tfjs layers-model model.json",
    );
  }
  return json;
}

async function readWeightFile(dir: string, file: string): Promise<Uint8Array> {
  const path = `${dir}/${file}`;
  if (file.startsWith("/") || file.split("/").includes("..")) {
    throw new ModelFileError(
      `Cannot read weights "${file}": the path leaves the model directory "${dir}"`,
      path,
    );
  }
  try {
    return await Deno.readFile(path);
  } catch (cause) {
    throw new ModelFileError(
      `Cannot read weights "${path}": ${(cause as Error).message}`,
      path,
      undefined,
      { cause },
    );
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Total bytes of unquantised numeric weights; undefined when it cannot be computed simply. */
function expectedBytes(
  specs: tf.io.WeightsManifestEntry[],
): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const bytes = DTYPE_BYTES[spec.dtype];
    if (spec.quantization !== undefined || bytes === undefined) {
      return undefined;
    }
    total += bytes * spec.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}
