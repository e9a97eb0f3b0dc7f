/**
 * Regenerates data/fashion-mnist/ (the default dataset) from Debian's
 * `dataset-fashion-mnist` package: a class-stratified, seeded subset (1,000
 * training and 200 test images per class by default), each 28×28 grey image
 * stored as a JPEG in the notebook's TFRecord schema (`image`, `label`,
 * `width`, `height`), 3,000 records per shard, plus label_map.json.
 *
 * The output depends only on the IDX files, the options and libjpeg (sharp's
 * pinned version): re-running it reproduces the files byte for byte.
 *
 * Usage (from the repository root):
 *   deno run --allow-read --allow-write --allow-ffi --allow-env --allow-sys \
 *     data/make_fashion_mnist.ts [--source DIR] [--out DIR] [--train-per-class N]
 *     [--test-per-class N] [--quality Q] [--seed S]
 *
 * @module
 */
import { parseArgs } from "node:util";
import sharp from "sharp";
import { readIdx } from "../lib/dataset/idx_file.ts";
import { ShardSetWriter } from "../lib/dataset/shard_set_writer.ts";
import { keyedRandom } from "../lib/random/keyed_random.ts";
import { encodeExample } from "../lib/tfrecord/example.ts";

/** The ten Fashion-MNIST classes, by label. */
const CLASS_NAMES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

const { values } = parseArgs({
  options: {
    source: { type: "string", default: "/usr/share/datasets/fashion-mnist" },
    out: { type: "string", default: "data/fashion-mnist" },
    "train-per-class": { type: "string", default: "2000" },
    "test-per-class": { type: "string", default: "200" },
    quality: { type: "string", default: "95" },
    seed: { type: "string", default: "2021" },
  },
});
const quality = Number(values.quality);
const seed = Number(values.seed);

/** Indices of a stratified subset: `perClass` of each label, drawn by a keyed shuffle, in source order. */
function stratifiedSubset(labels: Uint8Array, perClass: number, part: string): number[] {
  const byClass = CLASS_NAMES.map(() => [] as number[]);
  labels.forEach((label, i) => byClass[label].push(i));
  const chosen = byClass.flatMap((members, label) => {
    if (members.length < perClass) {
      throw new RangeError(`Cannot take ${perClass} images of class ${label}: the ${part} part has ${members.length}`);
    }
    return keyedRandom(seed, "fashion-mnist", part, label).shuffle(members).slice(0, perClass);
  });
  return chosen.sort((a, b) => a - b);
}

// Replace the shards and the label map, keep anything else (the folder's README).
await Deno.mkdir(values.out, { recursive: true });
const replaced = (await Array.fromAsync(Deno.readDir(values.out)))
  .map((entry) => entry.name)
  .filter((name) => /^(train|test)-\d+\.tfrecords$|^label_map\.json$/.test(name));
for (const name of replaced) await Deno.remove(`${values.out}/${name}`);
const writer = new ShardSetWriter(values.out, ".", 3000);
let bytes = 0;
for (const [part, prefix, perClass] of [
  ["train", "train", Number(values["train-per-class"])],
  ["test", "t10k", Number(values["test-per-class"])],
] as const) {
  const images = await readIdx(`${values.source}/${prefix}-images-idx3-ubyte.gz`);
  const labels = await readIdx(`${values.source}/${prefix}-labels-idx1-ubyte.gz`);
  const [, height, width] = images.shape;
  for (const i of stratifiedSubset(labels.data, perClass, part)) {
    const pixels = images.data.subarray(i * width * height, (i + 1) * width * height);
    const jpeg = await sharp(pixels, { raw: { width, height, channels: 1 } })
      .toColourspace("b-w")
      .jpeg({ quality })
      .toBuffer();
    const record = encodeExample({
      image: { kind: "bytes", value: [new Uint8Array(jpeg)] },
      label: { kind: "int64", value: [labels.data[i]] },
      width: { kind: "int64", value: [width] },
      height: { kind: "int64", value: [height] },
    });
    await writer.write(part, record);
    bytes += record.length + 16;
  }
}
await writer.close();
const labelMap = CLASS_NAMES.map((name, label) => ({ label, id: String(label), name }));
await Deno.writeTextFile(`${values.out}/label_map.json`, JSON.stringify(labelMap, null, 1) + "\n");
console.log(`wrote ${writer.shards.length} shards (${(bytes / 1e6).toFixed(2)} MB) and label_map.json to ${values.out}`);
