import assert from "node:assert/strict";
import ingest from "../../stages/ingest.ts";
import { createStageContext } from "../../runner/child/stage_context.ts";
import { readRecordIndex } from "../../lib/dataset/record_index.ts";
import { idxGz, makeImage, writeShard } from "../testdata/image_fixtures.ts";
import { tempDir } from "../testdata/temp_dir.ts";

const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const PICKLES = new URL("../testdata/pickles/", import.meta.url).pathname;

async function runIngest(
  params: Record<string, unknown>,
  options: { pipelineDir?: string; seed?: number } = {},
) {
  const outDir = await tempDir("ingest_out_");
  const { ctx, references } = createStageContext({
    stage: "ingest",
    params: ingest.params.parse(params),
    outDir,
    pipelineDir: options.pipelineDir ?? REPO,
    seed: options.seed ?? 42,
  });
  const summary = await ingest.run(ctx);
  const json = async (name: string) =>
    JSON.parse(await Deno.readTextFile(`${outDir}/${name}`));
  return { outDir, references, summary: summary!, json };
}

Deno.test("ingest params: snake_case names, defaults, strict objects", () => {
  const p = ingest.params.parse({ source: "data/fashion-mnist" });
  assert.deepEqual(p, {
    source: "data/fashion-mnist",
    holdout: 0.1,
    on_error: "fail",
    shard_size: 3000,
  });
  assert.throws(() => ingest.params.parse({ source: "x", onError: "skip" }));
  assert.throws(() =>
    ingest.params.parse({
      source: { tfrecord: "a/*.tfrecords", labelmap: "x" },
    })
  );
  assert.throws(() => ingest.params.parse({ source: "x", holdout: 1 }));
  assert.deepEqual(
    ingest.reads!(
      ingest.params.parse({
        source: { tfrecord: "gld/*.tfrecords", label_map: "gld/l.pkl" },
      }),
    ),
    [
      "gld",
      "gld/l.pkl",
    ],
  );
});

Deno.test("ingest stage reads the default dataset with its own test split, referencing the shards", async () => {
  const { outDir, references, summary, json } = await runIngest({
    source: "data/fashion-mnist",
    holdout: "test",
  });
  assert.deepEqual(
    [
      summary.records,
      summary.classes,
      summary.train,
      summary.holdout,
      summary.skipped,
    ],
    [22000, 10, 20000, 2000, 0],
  );
  const dataset = await json("dataset.json");
  assert.deepEqual(dataset.splits, { train: 20000, holdout: 2000 });
  const labels = await json("labels.json");
  assert.equal(labels[9].name, "Ankle boot");
  const counts = await json("class_counts.json");
  assert.ok(
    counts.every((c: { train: number; holdout: number }) =>
      c.train === 2000 && c.holdout === 200
    ),
  );
  assert.deepEqual(await json("report.json"), { skipped: [] });
  assert.deepEqual(references.map((r) => r.asPath), [
    ...[0, 1, 2, 3, 4, 5, 6].map((k) =>
      `shards/train/train-0000${k}.tfrecords`
    ),
    "shards/test/test-00000.tfrecords",
  ]);
  assert.equal(
    references[7].absolutePath,
    `${REPO}/data/fashion-mnist/test-00000.tfrecords`,
  );
  // Referenced, not copied.
  await assert.rejects(Deno.stat(`${outDir}/shards`), Deno.errors.NotFound);
  const index = await readRecordIndex(outDir);
  assert.equal(index.size, 22000);
  assert.deepEqual([index.width[0], index.height[0], index.channels[0]], [
    28,
    28,
    1,
  ]);
});

Deno.test("ingest stage: a glob with a pickled label map, split stratified and seeded", async () => {
  const dir = await tempDir();
  const jpeg = await makeImage("jpeg", 20, 12);
  await writeShard(
    `${dir}/part-0.tfrecords`,
    Array.from({ length: 60 }, (_, i) => ({ image: jpeg, label: i % 6 })),
  );
  await writeShard(
    `${dir}/part-1.tfrecords`,
    Array.from({ length: 30 }, (_, i) => ({ image: jpeg, label: i % 6 })),
  );
  await Deno.copyFile(
    `${PICKLES}/label2landmark_id.p4.pkl`,
    `${dir}/label2landmark_id.pkl`,
  );
  const params = {
    source: {
      tfrecord: "part-*.tfrecords",
      label_map: "label2landmark_id.pkl",
    },
    holdout: 0.2,
  };
  const a = await runIngest(params, { pipelineDir: dir, seed: 1 });
  assert.deepEqual([a.summary.train, a.summary.holdout, a.summary.classes], [
    72,
    18,
    6,
  ]);
  const counts = await a.json("class_counts.json");
  assert.ok(
    counts.every((c: { train: number; holdout: number }) =>
      c.train === 12 && c.holdout === 3
    ),
  );
  assert.deepEqual((await a.json("labels.json"))[4], {
    label: 4,
    id: String(2 ** 40),
    name: null,
  });
  const b = await runIngest(params, { pipelineDir: dir, seed: 1 });
  const c = await runIngest(params, { pipelineDir: dir, seed: 2 });
  const split = async (out: string) => [...(await readRecordIndex(out)).split];
  assert.deepEqual(await split(b.outDir), await split(a.outDir));
  assert.notDeepEqual(await split(c.outDir), await split(a.outDir));
});

Deno.test("ingest stage: a corrupt record fails the stage, or is skipped, counted and reported", async () => {
  const dir = await tempDir();
  const jpeg = await makeImage("jpeg", 20, 12);
  const offsets = await writeShard(
    `${dir}/train-0.tfrecords`,
    Array.from({ length: 10 }, (_, i) => ({ image: jpeg, label: i % 2 })),
  );
  const bytes = await Deno.readFile(`${dir}/train-0.tfrecords`);
  bytes[offsets[4] + 30] ^= 0x55;
  await Deno.writeFile(`${dir}/train-0.tfrecords`, bytes);
  await assert.rejects(
    runIngest({ source: ".", holdout: 0.5 }, { pipelineDir: dir }),
    new RegExp(
      `train-0\\.tfrecords: record 4 at byte ${
        offsets[4]
      }: Cannot read record data: data CRC mismatch`,
    ),
  );
  const { summary, json } = await runIngest({
    source: ".",
    holdout: 0.5,
    on_error: "skip",
  }, { pipelineDir: dir });
  assert.equal(summary.records, 9);
  assert.equal(summary.skipped, 1);
  const expected = {
    file: "./train-0.tfrecords",
    offset: offsets[4],
    record: 4,
  };
  const [reported] = (await json("report.json")).skipped;
  assert.deepEqual({
    file: reported.file.replace(dir, "."),
    offset: reported.offset,
    record: reported.record,
  }, expected);
  assert.equal((summary.skippedRecords as unknown[]).length, 1);
  assert.equal((await json("dataset.json")).skipped, 1);
});

Deno.test("ingest stage converts a Google-Landmarks folder and IDX files into shards", async () => {
  const dir = await tempDir();
  const ids = ["a00", "b11", "c22", "d33"];
  for (const id of ids) {
    await Deno.mkdir(`${dir}/gld/train/${id[0]}/${id[1]}/${id[2]}`, {
      recursive: true,
    });
    await Deno.writeFile(
      `${dir}/gld/train/${id[0]}/${id[1]}/${id[2]}/${id}.jpg`,
      await makeImage("jpeg", 16, 16),
    );
  }
  await Deno.writeTextFile(
    `${dir}/gld/train.csv`,
    "id,landmark_id\na00,5\nb11,3\nc22,5\nd33,3\n",
  );
  const gld = await runIngest({ source: "gld", holdout: 0.5, shard_size: 3 }, {
    pipelineDir: dir,
  });
  assert.deepEqual([
    gld.summary.records,
    gld.summary.classes,
    gld.summary.train,
    gld.summary.holdout,
  ], [4, 2, 2, 2]);
  assert.deepEqual(
    (await gld.json("labels.json")).map((l: { id: string }) => l.id),
    ["3", "5"],
  );
  assert.deepEqual(gld.references, []);
  assert.ok(
    (await Deno.stat(`${gld.outDir}/shards/train-00001.tfrecords`)).isFile,
  );

  await Deno.mkdir(`${dir}/fm`);
  const pixels = new Uint8Array(6 * 28 * 28).fill(200);
  await Deno.writeFile(
    `${dir}/fm/train-images-idx3-ubyte.gz`,
    await idxGz([6, 28, 28], pixels),
  );
  await Deno.writeFile(
    `${dir}/fm/train-labels-idx1-ubyte.gz`,
    await idxGz([6], new Uint8Array([0, 1, 0, 1, 0, 1])),
  );
  const idx = await runIngest({ source: { idx: "fm" }, holdout: 0.34 }, {
    pipelineDir: dir,
  });
  assert.deepEqual([
    idx.summary.records,
    idx.summary.train,
    idx.summary.holdout,
  ], [6, 4, 2]);
  await assert.rejects(
    runIngest({ source: { idx: "fm" }, holdout: "test" }, { pipelineDir: dir }),
    /no test part/,
  );
});
