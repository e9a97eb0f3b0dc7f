/**
 * Training checkpoints: model weights (`model.json` + `weights.bin`, a
 * regular tfjs layers-model that `tf.loadLayersModel` reads through
 * {@linkcode modelLoadHandler}), optimizer state (`optimizer.bin`: the
 * optimizer's `getWeights()`, i.e. the iteration count and Adam's moments)
 * and a small JSON (`checkpoint.json`: caller state such as the epoch, the
 * optimizer's class and config, the dropout step). Reloading continues
 * training bit-identically on the cpu and wasm backends: Adam's running
 * β powers are saved exactly instead of being recomputed with `pow`, which
 * `setWeights` would otherwise do (a last-bit difference in float32).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { ModelFileError } from "../model/model_file_error.ts";
import { loadModel, saveModel } from "../model/model_io.ts";
import { getDropoutStep, setDropoutStep } from "../model/seeded_dropout.ts";

/** The JSON file of a checkpoint. */
export const CHECKPOINT_JSON = "checkpoint.json";
/** The optimizer state of a checkpoint. */
export const OPTIMIZER_BIN = "optimizer.bin";

const FORMAT = "arcface-pipeline-checkpoint";

/** What {@linkcode saveCheckpoint} stores. */
export interface CheckpointContents<S> {
  /** The model; its weights (BatchNorm statistics included) are saved. */
  model: tfl.LayersModel;
  /** The optimizer whose state continues on reload. */
  optimizer?: tf.Optimizer;
  /** Caller state, JSON-serialisable (epoch, best loss, history…). */
  state: S;
}

interface OptimizerRecord {
  className: string;
  config: tf.serialization.ConfigDict;
  weights: tf.io.WeightsManifestEntry[];
  /** Private scalars that `setWeights` would recompute inexactly (Adam's accBeta1/2). */
  exact: Record<string, number>;
}

interface CheckpointJson<S> {
  format: typeof FORMAT;
  version: 1;
  state: S;
  dropoutStep: number | null;
  optimizer: OptimizerRecord | null;
}

// Optimizer scalars restored after setWeights, when the optimizer has them.
const EXACT_SCALARS = ["accBeta1", "accBeta2"] as const;

/** Writes a checkpoint into the existing, empty directory `dir`. */
export async function saveCheckpoint<S>(
  dir: string,
  contents: CheckpointContents<S>,
): Promise<void> {
  await saveModel(contents.model, dir);
  let optimizer: OptimizerRecord | null = null;
  if (contents.optimizer !== undefined) {
    const opt = contents.optimizer;
    const named = await opt.getWeights();
    const { data, specs } = await tf.io.encodeWeights(named);
    await Deno.writeFile(
      `${dir}/${OPTIMIZER_BIN}`,
      new Uint8Array(tf.io.CompositeArrayBuffer.join(data)),
    );
    const exact: Record<string, number> = {};
    for (const key of EXACT_SCALARS) {
      const value = (opt as unknown as Record<string, unknown>)[key];
      if (value instanceof tf.Variable) exact[key] = (await value.data())[0];
    }
    optimizer = {
      className: opt.getClassName(),
      config: opt.getConfig(),
      weights: specs,
      exact,
    };
  }
  const json: CheckpointJson<S> = {
    format: FORMAT,
    version: 1,
    state: contents.state,
    dropoutStep: getDropoutStep(contents.model) ?? null,
    optimizer,
  };
  await Deno.writeTextFile(
    `${dir}/${CHECKPOINT_JSON}`,
    JSON.stringify(json, null, 2),
  );
}

/** Options of {@linkcode loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /**
   * A fresh optimizer to restore the state into; when absent, one is created
   * from the saved class name and config.
   */
  optimizer?: tf.Optimizer;
}

/**
 * Reads a checkpoint written by {@linkcode saveCheckpoint}: a new model with
 * the saved weights and dropout step, the optimizer with its state, and the
 * caller state.
 *
 * @throws {ModelFileError} for a missing or malformed file
 */
export async function loadCheckpoint<S>(
  dir: string,
  options: LoadCheckpointOptions = {},
): Promise<{ model: tfl.LayersModel; optimizer?: tf.Optimizer; state: S }> {
  const path = `${dir}/${CHECKPOINT_JSON}`;
  let json: CheckpointJson<S>;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (cause) {
    throw new ModelFileError(
      `Cannot read checkpoint "${path}": ${(cause as Error).message}`,
      path,
      undefined,
      {
        cause,
      },
    );
  }
  if (json?.format !== FORMAT || json.version !== 1) {
    throw new ModelFileError(
      `Cannot read checkpoint "${path}": format ${
        JSON.stringify(json?.format)
      } version ${JSON.stringify(json?.version)} is not "${FORMAT}" version 1`,
      path,
    );
  }
  const model = await loadModel(dir);
  if (json.dropoutStep !== null) setDropoutStep(model, json.dropoutStep);
  const optimizer = json.optimizer === null
    ? options.optimizer
    : await restoreOptimizer(dir, json.optimizer, options);
  return { model, optimizer, state: json.state };
}

async function restoreOptimizer(
  dir: string,
  record: OptimizerRecord,
  options: LoadCheckpointOptions,
): Promise<tf.Optimizer> {
  const path = `${dir}/${OPTIMIZER_BIN}`;
  const optimizer = options.optimizer ?? createOptimizer(record, path);
  if (optimizer.getClassName() !== record.className) {
    throw new ModelFileError(
      `Cannot restore optimizer state from "${path}": it belongs to ${record.className}, not ${optimizer.getClassName()}`,
      path,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (cause) {
    throw new ModelFileError(
      `Cannot read optimizer state "${path}": ${(cause as Error).message}`,
      path,
      undefined,
      {
        cause,
      },
    );
  }
  const decoded = tf.io.decodeWeights(bytes.slice().buffer, record.weights);
  // Keep the saved order: Adam matches moments to variables by position.
  const named = record.weights.map((spec) => ({
    name: spec.name,
    tensor: decoded[spec.name],
  }));
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
  for (const [key, value] of Object.entries(record.exact)) {
    const variable = (optimizer as unknown as Record<string, unknown>)[key];
    if (variable instanceof tf.Variable) {
      tf.tidy(() => variable.assign(tf.scalar(value)));
    }
  }
  return optimizer;
}

function createOptimizer(record: OptimizerRecord, path: string): tf.Optimizer {
  const entry =
    tf.serialization.SerializationMap.getMap().classNameMap[record.className];
  if (entry === undefined) {
    throw new ModelFileError(
      `Cannot restore optimizer "${record.className}" from "${path}": the class is unknown`,
      path,
    );
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, record.config) as tf.Optimizer;
}
