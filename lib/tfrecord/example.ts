/**
 * A codec for `tf.train.Example` protobuf messages (tensorflow/core/example/
 * example.proto and feature.proto):
 *
 * ```proto
 * message Example  { Features features = 1; }
 * message Features { map<string, Feature> feature = 1; }
 * message Feature  { oneof kind { BytesList bytes_list = 1;
 *                                 FloatList float_list = 2;
 *                                 Int64List int64_list = 3; } }
 * message BytesList { repeated bytes value = 1; }
 * message FloatList { repeated float value = 1 [packed = true]; }
 * message Int64List { repeated int64 value = 1 [packed = true]; }
 * ```
 *
 * Decoding accepts packed and unpacked repeated fields, merges repeated
 * occurrences as protobuf does, and ignores unknown fields and features
 * whose `kind` is unset.
 *
 * @module
 */
import {
  FIXED32,
  LEN,
  VARINT,
  varint64Size,
  varintSize,
  WireReader,
  WireWriter,
} from "./_wire.ts";

/** A `BytesList` feature. Decoded values are views into the record's bytes (no copy). */
export interface BytesFeature {
  /** The feature kind. */
  kind: "bytes";
  /** The values. */
  value: Uint8Array[];
}

/** A `FloatList` feature (float32 values as JS numbers). */
export interface FloatFeature {
  /** The feature kind. */
  kind: "float";
  /** The values. */
  value: number[];
}

/** An `Int64List` feature, as bigint (exact) or number (when asked for, and safe). */
export interface Int64Feature<I extends bigint | number = bigint> {
  /** The feature kind. */
  kind: "int64";
  /** The values. */
  value: I[];
}

/** One feature of an Example. */
export type Feature<I extends bigint | number = bigint> =
  | BytesFeature
  | FloatFeature
  | Int64Feature<I>;

/** A decoded Example: features by name. */
export type Example<I extends bigint | number = bigint> = Record<
  string,
  Feature<I>
>;

/** Options of {@linkcode decodeExample}. */
export interface DecodeExampleOptions<I extends "bigint" | "number"> {
  /**
   * How to return int64 values: `bigint` (exact), or `number`, which throws a
   * RangeError for values outside ±(2^53 − 1).
   * @default "bigint"
   */
  int64?: I;
}

/**
 * Decodes a serialized `tf.train.Example`.
 *
 * @throws {SyntaxError} when the bytes are not a valid Example
 * @throws {RangeError} when `int64: "number"` meets an unsafe integer
 */
export function decodeExample(bytes: Uint8Array): Example<bigint>;
export function decodeExample(
  bytes: Uint8Array,
  options: DecodeExampleOptions<"bigint">,
): Example<bigint>;
export function decodeExample(
  bytes: Uint8Array,
  options: DecodeExampleOptions<"number">,
): Example<number>;
export function decodeExample(
  bytes: Uint8Array,
  options: DecodeExampleOptions<"bigint" | "number"> = {},
): Example<bigint | number> {
  const asNumber = options.int64 === "number";
  const example: Example<bigint | number> = Object.create(null);
  const r = new WireReader(bytes);
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag === (1 << 3 | LEN)) {
      const start = r.lengthDelimited();
      decodeFeatures(new WireReader(bytes, start, r.pos), example, asNumber);
    } else r.skip(tag & 7);
  }
  return example;
}

function decodeFeatures(
  r: WireReader,
  example: Example<bigint | number>,
  asNumber: boolean,
): void {
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag !== (1 << 3 | LEN)) {
      r.skip(tag & 7);
      continue;
    }
    // A map entry: key = 1 (string), value = 2 (Feature).
    const start = r.lengthDelimited();
    const entry = new WireReader(r.buf, start, r.pos);
    let key = "";
    let valueStart = -1;
    let valueEnd = -1;
    while (entry.pos < entry.end) {
      const t = entry.uint32();
      if (t === (1 << 3 | LEN)) {
        const s = entry.lengthDelimited();
        key = TEXT.decode(entry.buf.subarray(s, entry.pos));
      } else if (t === (2 << 3 | LEN)) {
        valueStart = entry.lengthDelimited();
        valueEnd = entry.pos;
      } else entry.skip(t & 7);
    }
    const feature = valueStart < 0
      ? undefined
      : decodeFeature(new WireReader(r.buf, valueStart, valueEnd), asNumber);
    // Map semantics: the last entry for a key wins.
    if (feature) example[key] = feature;
    else delete example[key];
  }
}

const TEXT = new TextDecoder("utf-8", { fatal: true });

function decodeFeature(
  r: WireReader,
  asNumber: boolean,
): Feature<bigint | number> | undefined {
  let feature: Feature<bigint | number> | undefined;
  while (r.pos < r.end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if ((tag & 7) !== LEN || field < 1 || field > 3) {
      r.skip(tag & 7);
      continue;
    }
    const start = r.lengthDelimited();
    const list = new WireReader(r.buf, start, r.pos);
    // A oneof member seen again merges (lists concatenate); another member replaces it.
    const kind = field === 1 ? "bytes" : field === 2 ? "float" : "int64";
    if (feature?.kind !== kind) {
      feature = { kind, value: [] } as Feature<bigint | number>;
    }
    if (feature.kind === "bytes") readBytesList(list, feature.value);
    else if (feature.kind === "float") readFloatList(list, feature.value);
    else readInt64List(list, feature.value, asNumber);
  }
  return feature;
}

function readBytesList(r: WireReader, out: Uint8Array[]): void {
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag === (1 << 3 | LEN)) {
      const s = r.lengthDelimited();
      out.push(r.buf.subarray(s, r.pos));
    } else r.skip(tag & 7);
  }
}

function readFloatList(r: WireReader, out: number[]): void {
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag === (1 << 3 | FIXED32)) out.push(r.float32());
    else if (tag === (1 << 3 | LEN)) {
      const s = r.lengthDelimited();
      if ((r.pos - s) % 4 !== 0) {
        throw new SyntaxError(
          `Cannot parse packed float list at byte ${s}: ${
            r.pos - s
          } bytes is not a multiple of 4`,
        );
      }
      const packed = new WireReader(r.buf, s, r.pos);
      while (packed.pos < packed.end) out.push(packed.float32());
    } else r.skip(tag & 7);
  }
}

function readInt64List(
  r: WireReader,
  out: (bigint | number)[],
  asNumber: boolean,
): void {
  while (r.pos < r.end) {
    const tag = r.uint32();
    if (tag === (1 << 3 | VARINT)) out.push(readInt64(r, asNumber));
    else if (tag === (1 << 3 | LEN)) {
      const s = r.lengthDelimited();
      const packed = new WireReader(r.buf, s, r.pos);
      while (packed.pos < packed.end) out.push(readInt64(packed, asNumber));
    } else r.skip(tag & 7);
  }
}

function readInt64(r: WireReader, asNumber: boolean): bigint | number {
  r.varint64();
  const { lo, hi } = r;
  if (!asNumber) return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  const signedHi = hi | 0;
  // |value| < 2^53 exactly when the signed high half lies in [-2^21, 2^21).
  if (signedHi < -0x200000 || signedHi >= 0x200000) {
    throw new RangeError(
      `Cannot read int64 as a number: ${
        BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo))
      } is beyond 2^53`,
    );
  }
  return signedHi * 4294967296 + lo;
}

/** Options of {@linkcode encodeExample}. */
export interface EncodeExampleOptions {
  /**
   * Write float and int64 lists packed (proto3's default, as TensorFlow does)
   * or as one field per value.
   * @default true
   */
  packed?: boolean;
}

/**
 * Serializes features as a `tf.train.Example`, in the key order given. int64
 * values may be bigint or (integer) number.
 *
 * @throws {RangeError} for an int64 value that is not an integer in the int64 range
 */
export function encodeExample(
  features: Readonly<Record<string, Feature<bigint | number>>>,
  options: EncodeExampleOptions = {},
): Uint8Array {
  const packed = options.packed ?? true;
  const entries = Object.entries(features).map(([key, feature]) => {
    const keyBytes = new TextEncoder().encode(key);
    const ints = feature.kind === "int64"
      ? feature.value.map(toInt64)
      : undefined;
    const listSize = featureListSize(feature, ints, packed);
    const featureSize = 1 + varintSize(listSize) + listSize;
    const entrySize = 1 + varintSize(keyBytes.length) + keyBytes.length + 1 +
      varintSize(featureSize) + featureSize;
    return { keyBytes, feature, ints, listSize, featureSize, entrySize };
  });
  const featuresSize = entries.reduce(
    (sum, e) => sum + 1 + varintSize(e.entrySize) + e.entrySize,
    0,
  );
  const w = new WireWriter(1 + varintSize(featuresSize) + featuresSize);
  w.tag(1, LEN);
  w.varint(featuresSize);
  for (const e of entries) {
    w.tag(1, LEN);
    w.varint(e.entrySize);
    w.tag(1, LEN);
    w.varint(e.keyBytes.length);
    w.bytes(e.keyBytes);
    w.tag(2, LEN);
    w.varint(e.featureSize);
    const kindField = { bytes: 1, float: 2, int64: 3 }[e.feature.kind];
    w.tag(kindField, LEN);
    w.varint(e.listSize);
    writeList(w, e.feature, e.ints, packed);
  }
  return w.buf;
}

function toInt64(value: bigint | number): bigint {
  const v = typeof value === "bigint"
    ? value
    : Number.isSafeInteger(value)
    ? BigInt(value)
    : NaN;
  if (typeof v !== "bigint" || BigInt.asIntN(64, v) !== v) {
    throw new RangeError(
      `Cannot encode int64 value "${value}": it must be an integer in the int64 range`,
    );
  }
  return v;
}

function featureListSize(
  feature: Feature<bigint | number>,
  ints: bigint[] | undefined,
  packed: boolean,
): number {
  switch (feature.kind) {
    case "bytes":
      return feature.value.reduce(
        (sum, v) => sum + 1 + varintSize(v.length) + v.length,
        0,
      );
    case "float": {
      const n = feature.value.length;
      if (!packed) return n * 5;
      return n === 0 ? 0 : 1 + varintSize(4 * n) + 4 * n;
    }
    case "int64": {
      const payload = ints!.reduce((sum, v) => sum + varint64Size(v), 0);
      if (!packed) return ints!.length + payload;
      return ints!.length === 0 ? 0 : 1 + varintSize(payload) + payload;
    }
  }
}

function writeList(
  w: WireWriter,
  feature: Feature<bigint | number>,
  ints: bigint[] | undefined,
  packed: boolean,
): void {
  switch (feature.kind) {
    case "bytes":
      for (const v of feature.value) {
        w.tag(1, LEN);
        w.varint(v.length);
        w.bytes(v);
      }
      return;
    case "float":
      if (packed && feature.value.length > 0) {
        w.tag(1, LEN);
        w.varint(4 * feature.value.length);
        for (const v of feature.value) w.float32(v);
      } else if (!packed) {
        for (const v of feature.value) {
          w.tag(1, FIXED32);
          w.float32(v);
        }
      }
      return;
    case "int64":
      if (packed && ints!.length > 0) {
        w.tag(1, LEN);
        w.varint(ints!.reduce((sum, v) => sum + varint64Size(v), 0));
        for (const v of ints!) w.varint64(v);
      } else if (!packed) {
        for (const v of ints!) {
          w.tag(1, VARINT);
          w.varint64(v);
        }
      }
      return;
  }
}
