import assert from "node:assert/strict";
import { frameRecord } from "../../../lib/tfrecord/frame_record.ts";
import { readRecords } from "../../../lib/tfrecord/read_records.ts";
import { RecordError } from "../../../lib/tfrecord/record_error.ts";
import { TfRecordWriter } from "../../../lib/tfrecord/tfrecord_writer.ts";
import { tempFile } from "../../testdata/temp_dir.ts";

/** Records of varied sizes: empty, small, and larger than the reader's chunk. */
function sampleRecords(): Uint8Array[] {
  const sizes = [0, 1, 17, 4096, 70_000, 3, 250_000, 12];
  return sizes.map((n, r) =>
    Uint8Array.from({ length: n }, (_, i) => (i * 7 + r * 13) & 0xff)
  );
}

async function writeSample(records: Uint8Array[]) {
  const path = await tempFile(`file".tfrecords"`);
  const writer = await TfRecordWriter.create(path, { chunkBytes: 64 * 1024 });
  const offsets: number[] = [];
  for (const r of records) offsets.push((await writer.write(r)).offset);
  await writer.close();
  return { path, offsets };
}

async function collect(path: string, options = {}) {
  const out = [];
  for await (const r of readRecords(path, options)) out.push(r);
  return out;
}

async function rejectsRecordError(
  path: string,
  expected: { offset: number; record: number; match: RegExp },
) {
  await assert.rejects(collect(path), (error: unknown) => {
    assert.ok(error instanceof RecordError, String(error));
    assert.equal(error.file, path);
    assert.equal(error.offset, expected.offset);
    assert.equal(error.record, expected.record);
    assert.match(error.message, expected.match);
    assert.match(error.message, new RegExp(`byte ${expected.offset}`));
    assert.ok((error.hint ?? "").length > 0);
    return true;
  });
}

Deno.test("readRecords() reads back what TfRecordWriter wrote, with offsets and indices", async () => {
  const records = sampleRecords();
  const { path, offsets } = await writeSample(records);
  for (const chunkBytes of [16, 1000, 1 << 20]) {
    const got = await collect(path, { chunkBytes });
    assert.equal(got.length, records.length);
    got.forEach((r, i) => {
      assert.deepEqual(r.data, records[i]);
      assert.equal(r.offset, offsets[i]);
      assert.equal(r.index, i);
    });
  }
  await Deno.remove(path);
});

Deno.test("readRecords() starts at a byte offset and stops at an end offset", async () => {
  const records = sampleRecords();
  const { path, offsets } = await writeSample(records);
  const got = await collect(path, {
    offset: offsets[3],
    end: offsets[6],
    firstIndex: 3,
  });
  assert.deepEqual(got.map((r) => r.index), [3, 4, 5]);
  assert.deepEqual(got.map((r) => r.offset), offsets.slice(3, 6));
  assert.deepEqual(got[2].data, records[5]);
  await Deno.remove(path);
});

Deno.test("readRecords() names the file, offset and record of a data CRC mismatch", async () => {
  const records = sampleRecords();
  const { path, offsets } = await writeSample(records);
  const bytes = await Deno.readFile(path);
  bytes[offsets[4] + 12 + 500] ^= 0x01; // flip one bit in record 4's data
  await Deno.writeFile(path, bytes);
  await rejectsRecordError(path, {
    offset: offsets[4],
    record: 4,
    match: /data CRC mismatch/,
  });
  // The framing is intact, so a reader may resume at the next record.
  const error = await collect(path).then(
    () => assert.fail("no error"),
    (e) => e as RecordError,
  );
  assert.equal(error.resumeAt, offsets[5]);
  const rest = await collect(path, { offset: error.resumeAt, firstIndex: 5 });
  assert.deepEqual(rest.map((r) => r.index), [5, 6, 7]);
  await Deno.remove(path);
});

Deno.test("readRecords() names the offset of a length CRC mismatch", async () => {
  const { path, offsets } = await writeSample(sampleRecords());
  const bytes = await Deno.readFile(path);
  bytes[offsets[2] + 9] ^= 0x80; // the stored length CRC of record 2
  await Deno.writeFile(path, bytes);
  await rejectsRecordError(path, {
    offset: offsets[2],
    record: 2,
    match: /length CRC mismatch/,
  });
  const error = await collect(path).then(
    () => assert.fail("no error"),
    (e) => e as RecordError,
  );
  assert.equal(error.resumeAt, undefined);
  await Deno.remove(path);
});

Deno.test("readRecords() reports truncation inside the data and inside the header", async () => {
  const records = sampleRecords();
  const { path, offsets } = await writeSample(records);
  const bytes = await Deno.readFile(path);
  await Deno.writeFile(path, bytes.subarray(0, offsets[7] - 2)); // cut record 6's footer
  await rejectsRecordError(path, {
    offset: offsets[6],
    record: 6,
    match: /runs past the end/,
  });
  await Deno.writeFile(path, bytes.subarray(0, offsets[7] + 5)); // 5 bytes of record 7's header
  await rejectsRecordError(path, {
    offset: offsets[7],
    record: 7,
    match: /5 of 12 bytes/,
  });
  await Deno.remove(path);
});

Deno.test("readRecords() skips CRC checks when told to", async () => {
  const path = await tempFile();
  const framed = frameRecord(new Uint8Array([1, 2, 3]));
  framed[framed.length - 1] ^= 0xff;
  await Deno.writeFile(path, framed);
  await assert.rejects(collect(path), RecordError);
  const got = await collect(path, { checkCrc: false });
  assert.deepEqual(got[0].data, new Uint8Array([1, 2, 3]));
  await Deno.remove(path);
});
