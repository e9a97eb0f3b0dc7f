import assert from "node:assert/strict";
import { convertIdx } from "../../../lib/dataset/convert_idx.ts";
import { convertLandmarks } from "../../../lib/dataset/convert_landmarks.ts";
import { SPLIT_CODES } from "../../../lib/dataset/record_index.ts";
import { readImageHeader } from "../../../lib/formats/image_header.ts";
import { decodeExample } from "../../../lib/tfrecord/example.ts";
import { readRecords } from "../../../lib/tfrecord/read_records.ts";
import { RecordError } from "../../../lib/tfrecord/record_error.ts";
import { idxGz, makeImage } from "../../testdata/image_fixtures.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

/** A Google-Landmarks folder: 7 images of landmarks 900, 15 and 2000 (ids as in train.csv). */
async function landmarkFolder(): Promise<string> {
  const dir = await tempDir("landmarks_");
  const rows = [
    ["a1b2", "900"],
    ["c3d4", "15"],
    ["e5f6", "2000"],
    ["0aa1", "15"],
    ["0bb2", "900"],
    ["fff0", "15"],
    ["abc9", "2000"],
  ];
  for (const [id] of rows) {
    await Deno.mkdir(`${dir}/train/${id[0]}/${id[1]}/${id[2]}`, {
      recursive: true,
    });
    await Deno.writeFile(
      `${dir}/train/${id[0]}/${id[1]}/${id[2]}/${id}.jpg`,
      await makeImage("jpeg", 24 + id.charCodeAt(0) % 5, 16),
    );
  }
  await Deno.writeTextFile(
    `${dir}/train.csv`,
    "id,landmark_id\n" + rows.map((r) => r.join(",")).join("\n") + "\n",
  );
  return dir;
}

/** Adds a part (`<name>.csv` and `<name>/…`) of the given rows to a landmarks folder. */
async function addPart(dir: string, name: string, rows: string[][]) {
  for (const [id] of rows) {
    await Deno.mkdir(`${dir}/${name}/${id[0]}/${id[1]}/${id[2]}`, {
      recursive: true,
    });
    await Deno.writeFile(
      `${dir}/${name}/${id[0]}/${id[1]}/${id[2]}/${id}.jpg`,
      await makeImage("jpeg", 20, 20),
    );
  }
  await Deno.writeTextFile(
    `${dir}/${name}.csv`,
    "id,landmark_id\n" + rows.map((r) => r.join(",")).join("\n") + "\n",
  );
}

async function readShard(path: string) {
  const out = [];
  for await (const r of readRecords(path)) {
    out.push(decodeExample(r.data, { int64: "number" }));
  }
  return out;
}

Deno.test("convertLandmarks() maps landmark ids to contiguous labels in id order and shards the records", async () => {
  const dir = await landmarkFolder();
  const out = await tempDir();
  const result = await convertLandmarks({
    dir,
    outDir: `${out}/shards`,
    recordsPerShard: 3,
  });
  assert.deepEqual(result.labels.map((l) => l.id), ["15", "900", "2000"]); // numeric order
  assert.deepEqual([...result.index.label], [1, 0, 2, 0, 1, 0, 2]);
  assert.deepEqual(result.index.shards, [
    "shards/train-00000.tfrecords",
    "shards/train-00001.tfrecords",
    "shards/train-00002.tfrecords",
  ]);
  assert.deepEqual([...result.index.shard], [0, 0, 0, 1, 1, 1, 2]);
  const first = await readShard(`${out}/shards/train-00000.tfrecords`);
  assert.equal(first.length, 3);
  assert.deepEqual(first[0].label.value, [1]);
  const image = first[0].image.value[0] as Uint8Array;
  assert.deepEqual(first[0].width.value, [readImageHeader(image).width]);
  assert.deepEqual(first[0].height.value, [16]);
});

Deno.test("convertLandmarks() fails or skips a missing image by on_error", async () => {
  const dir = await landmarkFolder();
  await Deno.remove(`${dir}/train/e/5/f/e5f6.jpg`);
  await Deno.writeTextFile(`${dir}/train/0/b/b/0bb2.jpg`, "not a jpeg");
  const out = await tempDir();
  await assert.rejects(
    convertLandmarks({ dir, outDir: `${out}/a` }),
    (e: unknown) => {
      assert.ok(e instanceof RecordError);
      assert.equal(e.record, 2);
      assert.match(
        e.message,
        /e5f6\.jpg: record 2 at byte 0: Cannot read image: the file does not exist/,
      );
      return true;
    },
  );
  const result = await convertLandmarks({
    dir,
    outDir: `${out}/b`,
    onError: "skip",
  });
  assert.equal(result.index.size, 5);
  assert.deepEqual(result.skipped.map((s) => s.record), [2, 4]);
  assert.equal(
    result.labels.length,
    3,
    "labels come from the CSV, skipped images or not",
  );
});

Deno.test("convertLandmarks() names the line of a bad CSV row", async () => {
  const dir = await landmarkFolder();
  await Deno.writeTextFile(
    `${dir}/train.csv`,
    "id,landmark_id\na1b2,900\n,15\n",
  );
  await assert.rejects(
    convertLandmarks({ dir, outDir: `${dir}/out` }),
    /train\.csv:3: /,
  );
  await Deno.writeTextFile(`${dir}/train.csv`, "image,label\n");
  await assert.rejects(
    convertLandmarks({ dir, outDir: `${dir}/out` }),
    /not id,landmark_id/,
  );
});

Deno.test("convertIdx() stores IDX images losslessly as grey PNG records with train and test parts", async () => {
  const dir = await tempDir("idx_");
  const images = Uint8Array.from(
    { length: 5 * 4 * 3 },
    (_, i) => (i * 11) & 0xff,
  );
  await Deno.writeFile(
    `${dir}/train-images-idx3-ubyte.gz`,
    await idxGz([5, 4, 3], images),
  );
  await Deno.writeFile(
    `${dir}/train-labels-idx1-ubyte.gz`,
    await idxGz([5], new Uint8Array([0, 1, 2, 1, 0])),
  );
  await Deno.writeFile(
    `${dir}/t10k-images-idx3-ubyte.gz`,
    await idxGz([2, 4, 3], images.subarray(0, 24)),
  );
  await Deno.writeFile(
    `${dir}/t10k-labels-idx1-ubyte.gz`,
    await idxGz([2], new Uint8Array([2, 2])),
  );
  const out = await tempDir();
  const result = await convertIdx({
    dir,
    outDir: `${out}/shards`,
    recordsPerShard: 4,
  });
  assert.equal(result.hasTest, true);
  assert.deepEqual([...result.index.split], [0, 0, 0, 0, 0, 1, 1]);
  assert.deepEqual([...result.index.width], Array(7).fill(3));
  assert.deepEqual([...result.index.height], Array(7).fill(4));
  assert.deepEqual(result.index.shards, [
    "shards/train-00000.tfrecords",
    "shards/train-00001.tfrecords",
    "shards/test-00000.tfrecords",
  ]);
  assert.deepEqual(result.labels.map((l) => l.id), ["0", "1", "2"]);
  const sharp = (await import("sharp")).default;
  const [record] = await readShard(`${out}/shards/train-00001.tfrecords`);
  const png = record.image.value[0] as Uint8Array;
  const pixels = await sharp(png).toColourspace("b-w").raw().toBuffer();
  assert.deepEqual(new Uint8Array(pixels), images.subarray(4 * 12, 5 * 12));
});

Deno.test("convertIdx() refuses labels beyond the given label map", async () => {
  const dir = await tempDir("idx_");
  await Deno.writeFile(
    `${dir}/train-images-idx3-ubyte`,
    new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0]),
  );
  await Deno.writeFile(
    `${dir}/train-labels-idx1-ubyte`,
    new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 4]),
  );
  await assert.rejects(
    convertIdx({
      dir,
      outDir: `${dir}/out`,
      labels: [{ label: 0, id: "0", name: null }],
    }),
    /go up to 4, the map has 1 classes/,
  );
});

Deno.test("convertLandmarks() reads a test part from the folder its CSV names, with the train part's labels", async () => {
  const dir = await landmarkFolder();
  await addPart(dir, "test", [["t001", "2000"], ["t002", "15"], [
    "t003",
    "77",
  ]]);
  await addPart(dir, "val", [["v001", "900"]]);
  const out = await tempDir();
  for (const [csv, expected] of [["test.csv", 2], ["val.csv", 1]] as const) {
    const result = await convertLandmarks({
      dir,
      test: csv,
      outDir: `${out}/${csv}`,
      onError: "fail",
    });
    assert.equal(result.hasTest, true);
    assert.deepEqual(result.labels.map((l) => l.id), ["15", "900", "2000"]);
    const holdout = [...result.index.split].filter((s) =>
      s === SPLIT_CODES.holdout
    ).length;
    assert.equal(holdout, expected, csv);
    assert.ok(result.index.shards.some((s) => s.startsWith("shards/test-")));
    if (csv === "test.csv") {
      // Test labels are the train part's: landmark 2000 → 2, 15 → 0.
      const testLabels = [...result.index.label].filter((_, i) =>
        result.index.split[i] === SPLIT_CODES.holdout
      );
      assert.deepEqual(testLabels, [2, 0]);
      // Landmark 77 is not in train.csv: left out and listed, even under on_error: fail.
      assert.equal(result.skipped.length, 1);
      assert.match(
        result.skipped[0].reason,
        /landmark_id "77" of image "t003" is not in train\.csv, so it cannot be scored/,
      );
    }
  }
});
