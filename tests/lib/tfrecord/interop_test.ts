import assert from "node:assert/strict";
import {
  decodeExample,
  encodeExample,
  type Example,
  type Feature,
  readRecords,
  TfRecordWriter,
} from "../../../lib/tfrecord/mod.ts";
import { pythonMissing, runPython } from "../../testdata/python_peer.ts";
import { tempFile } from "../../testdata/temp_dir.ts";

const SCRIPT = new URL("../../testdata/tfrecord_interop.py", import.meta.url)
  .pathname;
const missing = pythonMissing(["google.protobuf", "crcmod.predefined"]);
if (missing) console.warn(`Skipping TFRecord interop tests: ${missing}`);

type JsonFeature = { kind: string; value: (string | number)[] };

function toJson(example: Example<bigint>): Record<string, JsonFeature> {
  const out: Record<string, JsonFeature> = {};
  for (const [key, f] of Object.entries(example)) {
    out[key] = f.kind === "bytes"
      ? { kind: "bytes", value: f.value.map(base64) }
      : f.kind === "float"
      ? { kind: "float", value: f.value }
      : { kind: "int64", value: f.value.map(String) };
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

Deno.test({
  name:
    "readRecords() and decodeExample() read what Python's protobuf and crcmod wrote",
  ignore: missing !== undefined,
  async fn() {
    const path = await tempFile(`file".tfrecords"`);
    const expected = JSON.parse(await runPython(SCRIPT, ["write", path]));
    const got = [];
    for await (const r of readRecords(path)) {
      got.push(toJson(decodeExample(r.data)));
    }
    // Python wrote each case packed, then unpacked: six records, pairs equal.
    assert.equal(got.length, 6);
    assert.deepEqual(got, expected);
    assert.deepEqual(got.slice(0, 3), got.slice(3));
    await Deno.remove(path);
  },
});

Deno.test({
  name:
    "TfRecordWriter and encodeExample() write what Python's protobuf and crcmod read",
  ignore: missing !== undefined,
  async fn() {
    const path = await tempFile(`file".tfrecords"`);
    const records: Record<string, Feature<bigint>>[] = [
      {
        image: {
          kind: "bytes",
          value: [new Uint8Array([0xff, 0xd8, 0, 1]), new Uint8Array()],
        },
        label: { kind: "int64", value: [81312n] },
        width: { kind: "int64", value: [384n] },
        height: { kind: "int64", value: [512n] },
      },
      {
        big: { kind: "int64", value: [-1n, 2n ** 63n - 1n, -(2n ** 63n), 0n] },
        floats: {
          kind: "float",
          value: [Math.fround(0.1), -2.5, Math.fround(1e-30)],
        },
        text: { kind: "bytes", value: [new TextEncoder().encode("naïve ☃")] },
      },
    ];
    const writer = await TfRecordWriter.create(path);
    for (const packed of [true, false]) {
      for (const r of records) await writer.write(encodeExample(r, { packed }));
    }
    await writer.close();
    const readByPython = JSON.parse(await runPython(SCRIPT, ["read", path]));
    const expected = records.map((r) => toJson(r));
    assert.deepEqual(readByPython, [...expected, ...expected]);
    await Deno.remove(path);
  },
});
