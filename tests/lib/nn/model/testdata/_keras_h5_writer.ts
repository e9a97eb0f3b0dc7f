/**
 * Writes a Keras 2 HDF5 weights file with h5wasm, in the layout Keras's
 * `save_weights(".h5")` produces: root attributes `layer_names`, `backend`
 * and `keras_version`; one group per layer with a `weight_names` attribute
 * (fixed-length ASCII strings, as h5py stores numpy byte strings); each
 * weight a float32 dataset at `<layer>/<layer>/<weight>:0`.
 *
 * @module
 */
import h5wasm, { type Group } from "h5wasm";

/** One layer's weights: Keras weight names (`stem_conv/kernel:0`) with values. */
export interface H5Layer {
  name: string;
  weights: { name: string; shape: number[]; data: Float32Array }[];
}

function fixedStrings(items: string[]): [string[], string] {
  const width = Math.max(1, ...items.map((s) => s.length));
  return [items, `A${width}`];
}

/** Writes `layers` to `path`. */
export async function writeKerasH5(
  path: string,
  layers: H5Layer[],
): Promise<void> {
  const { FS } = await h5wasm.ready;
  const name = `/${crypto.randomUUID()}.h5`;
  const file = new h5wasm.File(name, "w");
  try {
    const [layerNames, layerType] = fixedStrings(layers.map((l) => l.name));
    file.create_attribute(
      "layer_names",
      layerNames,
      [layerNames.length],
      layerType,
    );
    file.create_attribute("backend", "tensorflow");
    file.create_attribute("keras_version", "2.15.0");
    for (const layer of layers) {
      const group = file.create_group(layer.name);
      const [weightNames, weightType] = fixedStrings(
        layer.weights.map((w) => w.name),
      );
      if (weightNames.length > 0) {
        group.create_attribute("weight_names", weightNames, [
          weightNames.length,
        ], weightType);
      }
      for (const weight of layer.weights) {
        const parts = weight.name.split("/");
        let parent: Group = group;
        for (const part of parts.slice(0, -1)) {
          parent = (parent.keys().includes(part)
            ? parent.get(part)
            : parent.create_group(part)) as Group;
        }
        parent.create_dataset({
          name: parts.at(-1)!,
          data: weight.data,
          shape: weight.shape,
          dtype: "<f",
        });
      }
    }
  } finally {
    file.close();
  }
  await Deno.writeFile(path, FS.readFile(name));
  FS.unlink(name);
}
