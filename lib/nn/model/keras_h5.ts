/**
 * Reads the weights of a Keras HDF5 file (`model.save_weights("x.h5")` or a
 * whole-model `model.save("x.h5")`, the format of the Keras application
 * EfficientNetV2 weights) with h5wasm, entirely in memory: the root (or its
 * `model_weights` group) lists `layer_names`, each layer group lists
 * `weight_names`, and each weight is a dataset at `<layer>/<weight name>`.
 *
 * @module
 */
import h5wasm, {
  Dataset,
  type File as H5File,
  type Group as H5Group,
} from "h5wasm";
import { ModelFileError } from "./model_file_error.ts";
import { weightKey, type WeightValue } from "./import_weights.ts";

/**
 * Returns every weight in the file by `<layer>/<weight>` key.
 *
 * @throws {ModelFileError} for an unreadable file or one that is not Keras-HDF5 weights
 */
export async function readKerasH5Weights(
  path: string,
): Promise<Map<string, WeightValue>> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (cause) {
    throw new ModelFileError(
      `Cannot read weights "${path}": ${(cause as Error).message}`,
      path,
      undefined,
      { cause },
    );
  }
  if (!hasHdf5Signature(bytes)) {
    throw new ModelFileError(
      `Cannot open "${path}" as HDF5: the HDF5 signature is missing`,
      path,
      "expected a Keras .h5 weights file",
    );
  }
  const { FS } = await h5wasm.ready;
  const name = `/${crypto.randomUUID()}.h5`;
  FS.writeFile(name, bytes);
  let file: H5File | undefined;
  try {
    try {
      file = new h5wasm.File(name, "r");
    } catch (cause) {
      throw new ModelFileError(
        `Cannot open "${path}" as HDF5: ${describe(cause)}`,
        path,
        undefined,
        { cause },
      );
    }
    const root = file.keys().includes("model_weights")
      ? file.get("model_weights") as H5Group
      : file;
    const layers = stringList(root.attrs["layer_names"]?.value);
    if (layers === undefined) {
      throw new ModelFileError(
        `Cannot read weights "${path}": it has no "layer_names" attribute`,
        path,
        "expected a Keras 2 HDF5 weights file (Keras 3 `.weights.h5` files keep no weight names)",
      );
    }
    const out = new Map<string, WeightValue>();
    for (const layer of layers) {
      const group = root.get(layer) as H5Group | null;
      const names = stringList(group?.attrs["weight_names"]?.value) ?? [];
      for (const weightName of names) {
        const dataset = group!.get(weightName) as Dataset | null;
        if (dataset === null || !(dataset instanceof Dataset)) {
          throw new ModelFileError(
            `Cannot read weight "${layer}/${weightName}" of "${path}": the dataset is missing`,
            path,
          );
        }
        const value = dataset.value;
        if (!(value instanceof Float32Array || value instanceof Float64Array)) {
          throw new ModelFileError(
            `Cannot read weight "${layer}/${weightName}" of "${path}": dtype ${
              JSON.stringify(dataset.dtype)
            } is not a float`,
            path,
          );
        }
        out.set(weightKey(weightName), {
          shape: dataset.shape ?? [],
          data: Float32Array.from(value),
        });
      }
    }
    return out;
  } finally {
    file?.close();
    FS.unlink(name);
  }
}

function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  const decoder = new TextDecoder();
  return items.map((item) =>
    (typeof item === "string" ? item : decoder.decode(item as Uint8Array))
      .replace(/[\0 ]+$/, "")
  );
}

// "\x89HDF\r\n\x1a\n" at offset 0, 512, 1024, 2048, … (after an optional user block).
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (
    let offset = 0;
    offset + SIGNATURE.length <= bytes.byteLength;
    offset = offset === 0 ? 512 : offset * 2
  ) {
    if (SIGNATURE.every((b, i) => bytes[offset + i] === b)) return true;
  }
  return false;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
