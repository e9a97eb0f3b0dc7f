/**
 * Reads pretrained weights from either format the model stage accepts: a
 * tfjs layers-model directory (`model.json` + weight files) or a Keras
 * HDF5 file (`.h5` / `.hdf5`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { weightKey, type WeightValue } from "./import_weights.ts";
import { readKerasH5Weights } from "./keras_h5.ts";
import { ModelFileError } from "./model_file_error.ts";
import { MODEL_JSON, modelLoadHandler } from "./model_io.ts";

/**
 * Every float weight of a tfjs layers-model directory, by `<layer>/<weight>` key.
 *
 * @throws {ModelFileError} for missing or malformed files
 */
export async function readTfjsWeights(
  dir: string,
): Promise<Map<string, WeightValue>> {
  const artifacts = await modelLoadHandler(dir).load!();
  const specs = artifacts.weightSpecs ?? [];
  const tensors = tf.io.decodeWeights(
    artifacts.weightData ?? new ArrayBuffer(0),
    specs,
  );
  const out = new Map<string, WeightValue>();
  try {
    for (const spec of specs) {
      if (spec.dtype !== "float32") continue;
      const tensor = tensors[spec.name];
      out.set(weightKey(spec.name), {
        shape: tensor.shape,
        data: (await tensor.data() as Float32Array).slice(),
      });
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
  return out;
}

/**
 * Reads `path`: a `.h5`/`.hdf5` file as Keras HDF5 weights, a directory as a
 * tfjs layers-model.
 *
 * @throws {ModelFileError} when the path is neither, or its files are malformed
 */
export async function readPretrainedWeights(
  path: string,
): Promise<Map<string, WeightValue>> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (cause) {
    throw new ModelFileError(
      `Cannot read pretrained weights "${path}": ${(cause as Error).message}`,
      path,
      undefined,
      {
        cause,
      },
    );
  }
  if (info.isDirectory) return await readTfjsWeights(path);
  if (/\.(h5|hdf5)$/i.test(path)) return await readKerasH5Weights(path);
  throw new ModelFileError(
    `Cannot read pretrained weights "${path}": it is neither a directory nor a .h5 file`,
    path,
    `give a tfjs model directory (with ${MODEL_JSON}) or a Keras .h5 weights file`,
  );
}
