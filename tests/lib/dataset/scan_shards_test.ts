import assert from "node:assert/strict";
import { scanShards } from "../../../lib/dataset/scan_shards.ts";
import { RecordError } from "../../../lib/tfrecord/record_error.ts";
import { encodeExample } from "../../../lib/tfrecord/example.ts";
import { TfRecordWriter } from "../../../lib/tfrecord/tfrecord_writer.ts";
import { makeImage, writeShard } from "../../testdata/image_fixtures.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

const dir = await tempDir("scan_shards_test_");
const jpeg = await makeImage("jpeg", 30, 20);
const png = await makeImage("png", 20, 30);
const records = Array.from(
  { length: 6 },
  (_, i) => ({ image: i % 2 ? png : jpeg, label: i % 3 }),
);

/** A shard of 6 good records; returns the path and offsets. */
async function shard(name: string) {
  const path = `${dir}/${name}`;
  const offsets = await writeShard(path, records);
  return {
    path,
    offsets,
    shards: [{ path, asPath: `shards/train/${name}`, part: "train" as const }],
  };
}

Deno.test("scanShards() indexes every record with label, upright size, channels and offset", async () => {
  const { offsets, shards } = await shard("good.tfrecords");
  const { index, skipped, maxLabel } = await scanShards({ shards });
  assert.equal(index.size, 6);
  assert.deepEqual([...index.offset], offsets);
  assert.deepEqual([...index.label], [0, 1, 2, 0, 1, 2]);
  assert.deepEqual([...index.width], [30, 20, 30, 20, 30, 20]);
  assert.deepEqual([...index.height], [20, 30, 20, 30, 20, 30]);
  assert.deepEqual(index.shards, ["shards/train/good.tfrecords"]);
  assert.deepEqual(skipped, []);
  assert.equal(maxLabel, 2);
});

Deno.test("scanShards() fails on a corrupt record under on_error: fail, naming file, offset and record", async () => {
  const { path, offsets, shards } = await shard("corrupt-fail.tfrecords");
  const bytes = await Deno.readFile(path);
  bytes[offsets[3] + 40] ^= 0xff;
  await Deno.writeFile(path, bytes);
  await assert.rejects(scanShards({ shards }), (e: unknown) => {
    assert.ok(e instanceof RecordError);
    assert.deepEqual([e.file, e.offset, e.record], [path, offsets[3], 3]);
    assert.match(e.message, /data CRC mismatch/);
    return true;
  });
});

Deno.test("scanShards() skips and counts bad records under on_error: skip and goes on", async () => {
  const { path, offsets, shards } = await shard("corrupt-skip.tfrecords");
  const bytes = await Deno.readFile(path);
  bytes[offsets[1] + 40] ^= 0xff; // data CRC: the framing holds, reading resumes at record 2
  await Deno.writeFile(path, bytes);
  // Append: a record that is not an Example image, one with a label beyond the map, then a truncated one.
  const extra = `${dir}/extra.tfrecords`;
  const writer = await TfRecordWriter.create(extra);
  await writer.write(
    encodeExample({
      image: { kind: "bytes", value: [new Uint8Array([1, 2, 3])] },
      label: { kind: "int64", value: [0] },
    }),
  );
  await writer.write(
    encodeExample({
      image: { kind: "bytes", value: [jpeg] },
      label: { kind: "int64", value: [7] },
    }),
  );
  await writer.write(
    encodeExample({
      image: { kind: "bytes", value: [jpeg] },
      label: { kind: "int64", value: [1] },
    }),
  );
  await writer.close();
  const size = (await Deno.stat(extra)).size;
  await Deno.truncate(extra, size - 10);
  const { index, skipped } = await scanShards({
    shards: [...shards, {
      path: extra,
      asPath: "shards/train/extra.tfrecords",
      part: "test",
    }],
    classes: 3,
    onError: "skip",
  });
  assert.equal(index.size, 5);
  assert.deepEqual([...index.split], [0, 0, 0, 0, 0]);
  assert.deepEqual(
    skipped.map((s) => [s.file === path ? "a" : "b", s.record]),
    [["a", 1], ["b", 0], ["b", 1], ["b", 2]],
  );
  assert.equal(skipped[0].offset, offsets[1]);
  assert.match(skipped[0].reason, /data CRC mismatch/);
  assert.match(skipped[1].reason, /neither JPEG nor PNG/);
  assert.match(skipped[2].reason, /label "7": it is outside 0..2/);
  assert.match(
    skipped[3].reason,
    /runs past the end.*rest of the file is unreadable/,
  );
});
