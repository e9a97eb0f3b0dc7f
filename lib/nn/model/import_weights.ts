/**
 * Imports pretrained weights into a model by name. Both sides are keyed by
 * `<layer>/<weight>` (e.g. `block2b_expand_bn/moving_mean`): Keras names
 * (`stem_conv/kernel:0`, possibly under a model scope) lose the `:0` suffix
 * and any outer scope, tfjs names are used as they are. A model weight that
 * is selected but absent from the source, or present with another shape,
 * fails the whole import with a {@linkcode WeightImportError} listing every
 * such weight; nothing is assigned then.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { ModelFileError } from "./model_file_error.ts";

/** One weight's values, as read from a file. */
export interface WeightValue {
  /** The dimensions. */
  shape: number[];
  /** Row-major values. */
  data: Float32Array;
}

/** A model weight the source lacks or holds with another shape. */
export interface WeightMismatch {
  /** The `<layer>/<weight>` key. */
  name: string;
  /** The model's shape. */
  expected: number[];
  /** The source's shape; absent when the source lacks the weight. */
  found?: number[];
}

/** Thrown when selected model weights are missing from the source or have other shapes. */
export class WeightImportError extends ModelFileError {
  override name = "WeightImportError";

  /**
   * @param source the file or directory the weights came from
   * @param missing selected model weights the source lacks
   * @param mismatched weights present with another shape
   */
  constructor(
    source: string,
    readonly missing: WeightMismatch[],
    readonly mismatched: WeightMismatch[],
  ) {
    const list = (items: string[]) =>
      items.slice(0, 8).join(", ") +
      (items.length > 8 ? `, and ${items.length - 8} more` : "");
    const parts: string[] = [];
    if (missing.length > 0) {
      parts.push(
        `${missing.length} missing (${list(missing.map((m) => m.name))})`,
      );
    }
    if (mismatched.length > 0) {
      parts.push(
        `${mismatched.length} with another shape (${
          list(mismatched.map((m) =>
            `${m.name}: model [${m.expected}], file [${m.found}]`
          ))
        })`,
      );
    }
    super(
      `Cannot import weights from "${source}": ${parts.join("; ")}`,
      source,
      "check that the file holds the same variant, width and depth as the model",
    );
  }
}

/** Options of {@linkcode importWeights}. */
export interface ImportWeightsOptions {
  /** Which model weights (by `<layer>/<weight>` key) must come from the source; others keep their values. @default all */
  select?: (key: string) => boolean;
  /** Names the source in errors. @default "(weights)" */
  source?: string;
}

/** What {@linkcode importWeights} did. */
export interface ImportReport {
  /** Keys of the model weights that were assigned. */
  loaded: string[];
  /** Keys in the source that no selected model weight took (e.g. a classifier top). */
  unused: string[];
}

/** The `<layer>/<weight>` key of a Keras or tfjs weight name. */
export function weightKey(name: string): string {
  const parts = name.replace(/:\d+$/, "").split("/");
  return parts.slice(-2).join("/");
}

/**
 * Assigns the selected weights of `model` from `values`, all or nothing.
 *
 * @throws {WeightImportError} listing every missing and mismatched weight
 */
export function importWeights(
  model: tfl.LayersModel,
  values: ReadonlyMap<string, WeightValue>,
  options: ImportWeightsOptions = {},
): ImportReport {
  const select = options.select ?? (() => true);
  const missing: WeightMismatch[] = [];
  const mismatched: WeightMismatch[] = [];
  const assignments: {
    variable: tfl.LayersModel["weights"][number];
    value: WeightValue;
    key: string;
  }[] = [];
  for (const variable of model.weights) {
    const key = weightKey(variable.originalName);
    if (!select(key)) continue;
    const value = values.get(key);
    const expected = variable.shape as number[];
    if (value === undefined) missing.push({ name: key, expected });
    else if (!sameShape(value.shape, expected)) {
      mismatched.push({ name: key, expected, found: value.shape });
    } else assignments.push({ variable, value, key });
  }
  if (missing.length > 0 || mismatched.length > 0) {
    throw new WeightImportError(
      options.source ?? "(weights)",
      missing,
      mismatched,
    );
  }
  for (const { variable, value } of assignments) {
    const tensor = tf.tensor(value.data, value.shape, "float32");
    variable.write(tensor);
    tensor.dispose();
  }
  const loaded = new Set(assignments.map((a) => a.key));
  return {
    loaded: [...loaded],
    unused: [...values.keys()].filter((key) => !loaded.has(key)),
  };
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
