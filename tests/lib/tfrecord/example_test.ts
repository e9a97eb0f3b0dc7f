import assert from "node:assert/strict";
import {
  decodeExample,
  encodeExample,
  type Feature,
} from "../../../lib/tfrecord/example.ts";

const bytes = (...v: number[]) => new Uint8Array(v);

Deno.test("encodeExample() and decodeExample() round-trip every feature kind, packed and unpacked", () => {
  const features: Record<string, Feature<bigint>> = {
    image: {
      kind: "bytes",
      value: [bytes(0xff, 0xd8), bytes(), bytes(1, 2, 3)],
    },
    floats: {
      kind: "float",
      value: [0, -1.5, Math.fround(3.14159), Math.fround(6.5e30)],
    },
    label: {
      kind: "int64",
      value: [0n, 1n, -1n, 2n ** 31n, -(2n ** 63n), 2n ** 63n - 1n, 300n],
    },
    none: { kind: "int64", value: [] },
    noFloats: { kind: "float", value: [] },
  };
  for (const packed of [true, false]) {
    const decoded = decodeExample(encodeExample(features, { packed }));
    assert.deepEqual(Object.keys(decoded).sort(), Object.keys(features).sort());
    for (const [key, feature] of Object.entries(features)) {
      assert.deepEqual(decoded[key], feature, `${key}, packed ${packed}`);
    }
  }
});

Deno.test("encodeExample() writes smaller packed lists than unpacked ones", () => {
  const f = { n: { kind: "int64" as const, value: [1, 2, 3, 4, 5] } };
  assert.ok(
    encodeExample(f, { packed: true }).length <
      encodeExample(f, { packed: false }).length,
  );
});

Deno.test("decodeExample() returns int64 as numbers when asked, and refuses unsafe ones", () => {
  const safe = encodeExample({
    v: { kind: "int64", value: [-(2 ** 53) + 1, 2 ** 53 - 1, -7, 42] },
  });
  assert.deepEqual(decodeExample(safe, { int64: "number" }).v.value, [
    -(2 ** 53) + 1,
    2 ** 53 - 1,
    -7,
    42,
  ]);
  const unsafe = encodeExample({ v: { kind: "int64", value: [2n ** 53n] } });
  assert.throws(() => decodeExample(unsafe, { int64: "number" }), RangeError);
});

Deno.test("decodeExample() returns views into the record, not copies", () => {
  const record = encodeExample({
    image: { kind: "bytes", value: [bytes(9, 9, 9)] },
  });
  const image = decodeExample(record).image.value[0] as Uint8Array;
  assert.equal(image.buffer, record.buffer);
});

Deno.test("decodeExample() ignores unknown fields and empty features", () => {
  const known = encodeExample({ label: { kind: "int64", value: [5n] } });
  // Example field 2 (unknown, varint), Feature field 9 (unknown), an entry whose Feature is empty.
  const unknownTop = bytes(2 << 3 | 0, 0x96, 0x01);
  const emptyFeatureEntry = bytes(
    0x0a,
    0x07, // features (field 1, LEN 7)
    0x0a,
    0x05, // map entry (LEN 5)
    0x0a,
    0x01,
    0x78, // key "x"
    0x12,
    0x00, // empty Feature
  );
  const decoded = decodeExample(
    new Uint8Array([...unknownTop, ...known, ...emptyFeatureEntry]),
  );
  assert.deepEqual(Object.keys(decoded), ["label"]);
  assert.deepEqual(decoded.label.value, [5n]);
});

Deno.test("decodeExample() merges repeated occurrences as protobuf does", () => {
  const a = encodeExample({
    v: { kind: "int64", value: [1n] },
    w: { kind: "float", value: [1] },
  });
  const b = encodeExample({
    v: { kind: "bytes", value: [bytes(7)] },
    w: { kind: "float", value: [2] },
  });
  // Concatenated messages merge: map entries for the same key replace each other.
  const merged = decodeExample(new Uint8Array([...a, ...b]));
  assert.deepEqual(merged.v, { kind: "bytes", value: [bytes(7)] });
  assert.deepEqual(merged.w, { kind: "float", value: [2] });
});

Deno.test("decodeExample() rejects truncated and malformed input", () => {
  const good = encodeExample({
    image: { kind: "bytes", value: [bytes(1, 2, 3, 4)] },
  });
  for (let cut = 1; cut < good.length; cut++) {
    assert.throws(
      () => decodeExample(good.subarray(0, cut)),
      SyntaxError,
      `cut ${cut}`,
    );
  }
  assert.throws(() => decodeExample(bytes(0x0b)), SyntaxError); // wire type 3 (group)
});

Deno.test("encodeExample() rejects non-integer int64 values", () => {
  assert.throws(
    () => encodeExample({ v: { kind: "int64", value: [1.5] } }),
    RangeError,
  );
  assert.throws(
    () => encodeExample({ v: { kind: "int64", value: [2n ** 64n] } }),
    RangeError,
  );
});
