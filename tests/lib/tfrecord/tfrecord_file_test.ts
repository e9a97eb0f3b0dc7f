import assert from "node:assert/strict";
import { RecordError } from "../../../lib/tfrecord/record_error.ts";
import { TfRecordFile } from "../../../lib/tfrecord/tfrecord_file.ts";
import {
  TfRecordWriter,
  type WrittenRecord,
} from "../../../lib/tfrecord/tfrecord_writer.ts";
import { tempFile } from "../../testdata/temp_dir.ts";

Deno.test("TfRecordFile.read() returns records by offset, also with reads in flight together", async () => {
  const path = await tempFile();
  const writer = await TfRecordWriter.create(path);
  const records = Array.from(
    { length: 50 },
    (_, r) =>
      Uint8Array.from({ length: 100 + r * 37 }, (_, i) => (i + r) & 0xff),
  );
  const written: WrittenRecord[] = [];
  for (const r of records) written.push(await writer.write(r));
  await writer.close();
  using file = await TfRecordFile.open(path);
  const order = written.map((_, i) => i).reverse();
  const got = await Promise.all(
    order.map((i) =>
      file.read(written[i].offset, written[i].length, { record: i })
    ),
  );
  order.forEach((i, k) => assert.deepEqual(got[k], records[i]));
  await Deno.remove(path);
});

Deno.test("TfRecordFile.read() reports a CRC mismatch and a short file with the record's offset", async () => {
  const path = await tempFile();
  const writer = await TfRecordWriter.create(path);
  const a = await writer.write(new Uint8Array(64).fill(1));
  const b = await writer.write(new Uint8Array(64).fill(2));
  await writer.close();
  const bytes = await Deno.readFile(path);
  bytes[b.offset + 20] ^= 4;
  await Deno.writeFile(path, bytes);
  using file = await TfRecordFile.open(path);
  assert.deepEqual(
    await file.read(a.offset, a.length),
    new Uint8Array(64).fill(1),
  );
  await assert.rejects(
    file.read(b.offset, b.length, { record: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof RecordError);
      assert.equal(e.offset, b.offset);
      assert.equal(e.record, 1);
      assert.match(e.message, /data CRC mismatch/);
      return true;
    },
  );
  // Without CRC checks the damaged bytes come back as they are.
  assert.equal(
    (await file.read(b.offset, b.length, { checkCrc: false }))[8],
    2 ^ 4,
  );
  await assert.rejects(
    file.read(a.offset, a.length + 10),
    /length field says 64 bytes/,
  );
  await Deno.truncate(path, b.offset + 30);
  await assert.rejects(
    file.read(b.offset, b.length),
    /ends after 30 of 80 bytes/,
  );
  await Deno.remove(path);
});
