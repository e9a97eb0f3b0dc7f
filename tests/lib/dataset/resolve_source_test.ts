import assert from "node:assert/strict";
import { resolveSource } from "../../../lib/dataset/resolve_source.ts";
import { sourceReads } from "../../../lib/dataset/source_spec.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

const REPO = new URL("../../../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("resolveSource() detects the default dataset folder: train and test shards plus its label map", async () => {
  const source = await resolveSource("data/fashion-mnist", REPO);
  assert.equal(source.kind, "tfrecord");
  if (source.kind !== "tfrecord") return;
  assert.deepEqual(
    source.train.map((s) => s.name),
    [0, 1, 2, 3, 4, 5, 6].map((k) => `train-0000${k}.tfrecords`),
  );
  assert.deepEqual(source.test.map((s) => s.name), ["test-00000.tfrecords"]);
  assert.equal(source.labelMap, `${REPO}/data/fashion-mnist/label_map.json`);
});

Deno.test("resolveSource() detects IDX and landmark folders and resolves explicit globs", async () => {
  const idx = await resolveSource("/usr/share/datasets/fashion-mnist", REPO)
    .catch(() => undefined);
  if (idx) assert.equal(idx.kind, "idx");
  const dir = await tempDir();
  await Deno.mkdir(`${dir}/gld/train`, { recursive: true });
  await Deno.writeTextFile(`${dir}/gld/train.csv`, "id,landmark_id\n");
  assert.deepEqual(await resolveSource("gld", dir), {
    kind: "landmarks",
    dir: `${dir}/gld`,
    csv: "train.csv",
  });
  const explicit = await resolveSource({
    tfrecord: "data/fashion-mnist/train-0000[01].tfrecords",
  }, REPO);
  assert.ok(
    explicit.kind === "tfrecord" && explicit.train.length === 2 &&
      explicit.test.length === 0,
  );
  await assert.rejects(
    resolveSource({ tfrecord: "data/nothing-*.tfrecords" }, REPO),
    /matches no file/,
  );
  await assert.rejects(
    resolveSource(".", dir),
    /Cannot tell what kind of dataset/,
  );
});

Deno.test("sourceReads() returns plain data paths: folders, glob bases and label maps", () => {
  assert.deepEqual(sourceReads("data/fashion-mnist"), ["data/fashion-mnist"]);
  assert.deepEqual(
    sourceReads({
      tfrecord: "gld/part-*/*.tfrecords",
      test: "gld-test/*.tfrecords",
      labelMap: "gld/label2landmark_id.pkl",
    }),
    ["gld", "gld-test", "gld/label2landmark_id.pkl"],
  );
  assert.deepEqual(sourceReads({ landmarks: "gldv2" }), ["gldv2"]);
  assert.deepEqual(sourceReads({ idx: "fm", labelMap: "fm/map.csv" }), [
    "fm",
    "fm/map.csv",
  ]);
});

Deno.test("resolveSource() takes one glob per dataset part and keeps same-named shards of different parts apart", async () => {
  const dir = await Deno.makeTempDir();
  for (const part of ["part-1", "part-2"]) {
    await Deno.mkdir(`${dir}/gld/${part}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/gld/${part}/train-00.tfrecords`, "");
  }
  const source = await resolveSource({
    tfrecord: ["gld/part-1/*.tfrecords", "gld/part-2/*.tfrecords"],
  }, dir);
  assert.ok(source.kind === "tfrecord");
  assert.deepEqual(source.train.map((s) => s.name), [
    "part-1/train-00.tfrecords",
    "part-2/train-00.tfrecords",
  ]);
  assert.deepEqual(
    sourceReads({
      tfrecord: ["gld/part-1/*.tfrecords", "gld/part-2/*.tfrecords"],
    }),
    [
      "gld/part-1",
      "gld/part-2",
    ],
  );
  await assert.rejects(
    resolveSource({
      tfrecord: ["gld/part-1/*.tfrecords", "gld/part-1/*.tfrecords"],
    }, dir),
    /Cannot tell shards apart/,
  );
  await Deno.remove(dir, { recursive: true });
});
