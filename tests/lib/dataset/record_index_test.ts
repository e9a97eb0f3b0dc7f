import assert from "node:assert/strict";
import {
  readRecordIndex,
  RecordIndexBuilder,
  writeRecordIndex,
} from "../../../lib/dataset/record_index.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

Deno.test("writeRecordIndex() and readRecordIndex() round-trip every column past the builder's growth", async () => {
  const builder = new RecordIndexBuilder("tfrecord");
  const n = 5000; // beyond the initial capacity of 1024
  for (let i = 0; i < n; i++) {
    builder.add({
      shard: i % 7,
      offset: i * 2 ** 33 + 5, // offsets past 4 GiB stay exact
      length: i * 3,
      label: (i * 13) % 81313,
      width: 100 + i,
      height: 200 + i,
      channels: i % 2 ? 3 : 1,
      split: i % 3,
    });
  }
  const index = builder.finish(["shards/a.tfrecords", "shards/b.tfrecords"]);
  const dir = await tempDir();
  await writeRecordIndex(dir, index);
  const back = await readRecordIndex(dir);
  assert.equal(back.size, n);
  assert.equal(back.format, "tfrecord");
  assert.deepEqual(back.shards, index.shards);
  for (
    const column of [
      "shard",
      "offset",
      "length",
      "label",
      "width",
      "height",
      "channels",
      "split",
    ] as const
  ) {
    assert.deepEqual([...back[column]], [...index[column]], column);
  }
  assert.equal(back.offset[4999], 4999 * 2 ** 33 + 5);
  // About 30 bytes a record.
  assert.ok((await Deno.stat(`${dir}/index.bin`)).size <= n * 31);
});

Deno.test("readRecordIndex() rejects a damaged index", async () => {
  const dir = await tempDir();
  const builder = new RecordIndexBuilder("pixels");
  builder.add({
    shard: 0,
    offset: 0,
    length: 1,
    label: 0,
    width: 1,
    height: 1,
    channels: 1,
    split: 0,
  });
  await writeRecordIndex(dir, builder.finish(["p"]));
  await Deno.truncate(`${dir}/index.bin`, 10);
  await assert.rejects(readRecordIndex(dir), /does not fit/);
});
