import assert from "node:assert/strict";
import {
  crc32c,
  maskCrc32c,
  maskedCrc32c,
} from "../../../lib/tfrecord/crc32c.ts";

const ascii = (s: string) => new TextEncoder().encode(s);

/** Bit-by-bit reference: the definition, no tables. */
function crc32cBitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

Deno.test("crc32c() matches the Castagnoli check value", () => {
  assert.equal(crc32c(ascii("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

Deno.test("crc32c() matches the RFC 3720 test vectors", () => {
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
  assert.equal(crc32c(ascending), 0x46dd794e);
});

Deno.test("crc32c() equals the bitwise definition at every length and alignment", () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 193 + 7) & 0xff);
  for (let start = 0; start < 5; start++) {
    for (let len = 0; len < 70; len++) {
      const slice = data.subarray(start, start + len);
      assert.equal(
        crc32c(slice),
        crc32cBitwise(slice),
        `start ${start} len ${len}`,
      );
    }
  }
});

Deno.test("crc32c() continues from a previous value", () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 0xff);
  assert.equal(
    crc32c(data.subarray(37), crc32c(data.subarray(0, 37))),
    crc32c(data),
  );
});

Deno.test("maskedCrc32c() rotates and offsets the CRC as TensorFlow does", () => {
  const crc = 0xe3069283;
  const expected = ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) %
    2 ** 32;
  assert.equal(maskCrc32c(crc), expected);
  assert.equal(maskedCrc32c(ascii("123456789")), expected);
});
