/**
 * The few protobuf wire-format primitives a `tf.train.Example` needs:
 * varints (up to 64 bits), fixed32, length-delimited fields, and skipping of
 * unknown fields. Private to lib/tfrecord.
 *
 * @module
 */

/** Protobuf wire types. */
export const VARINT = 0;
/** 8-byte little-endian value. */
export const FIXED64 = 1;
/** Length-delimited: a varint length, then the bytes. */
export const LEN = 2;
/** 4-byte little-endian value. */
export const FIXED32 = 5;

/** Reads fields from `buf[pos, end)`; throws SyntaxError on malformed input. */
export class WireReader {
  pos: number;
  readonly end: number;
  readonly buf: Uint8Array;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** A varint that must fit in 32 bits unsigned (tags and lengths). */
  uint32(): number {
    const buf = this.buf;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw this.#error("truncated varint");
      const b = buf[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (result > 0xffffffff) throw this.#error("varint exceeds 32 bits");
        return result;
      }
    }
    throw this.#error("varint exceeds 32 bits");
  }

  /**
   * A varint of up to 64 bits as its two's-complement halves: sets `lo` and
   * `hi` (both unsigned 32-bit) and returns nothing, to avoid allocation.
   */
  varint64(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw this.#error("truncated varint");
      const b = buf[this.pos++];
      const bits = b & 0x7f;
      const shift = i * 7;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28; // the low 4 bits land in lo, the rest in hi
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw this.#error("varint longer than 10 bytes");
  }

  /** Low half of the last {@linkcode varint64}. */
  lo = 0;
  /** High half of the last {@linkcode varint64}. */
  hi = 0;

  /** A little-endian float32 (fixed32 wire type). */
  float32(): number {
    if (this.pos + 4 > this.end) throw this.#error("truncated fixed32");
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return new DataView(b.buffer, b.byteOffset + p, 4).getFloat32(0, true);
  }

  /** The bounds of a length-delimited payload; advances past it. */
  lengthDelimited(): number {
    const length = this.uint32();
    const start = this.pos;
    if (start + length > this.end) {
      throw this.#error(
        `length-delimited field of ${length} bytes runs past the end`,
      );
    }
    this.pos = start + length;
    return start;
  }

  /** Skips a field of wire type `wireType`. */
  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint64();
        return;
      case FIXED64:
        this.#advance(8);
        return;
      case LEN:
        this.lengthDelimited();
        return;
      case FIXED32:
        this.#advance(4);
        return;
      default:
        throw this.#error(`unsupported wire type ${wireType}`);
    }
  }

  #advance(n: number): void {
    if (this.pos + n > this.end) throw this.#error("truncated field");
    this.pos += n;
  }

  #error(problem: string): SyntaxError {
    return new SyntaxError(
      `Cannot parse protobuf at byte ${this.pos}: ${problem}`,
    );
  }
}

/** Byte length of `value` as a varint (value < 2^53, non-negative). */
export function varintSize(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Byte length of a 64-bit two's-complement varint. */
export function varint64Size(value: bigint): number {
  let v = BigInt.asUintN(64, value);
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Writes into a buffer sized in advance. */
export class WireWriter {
  pos = 0;
  readonly buf: Uint8Array;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  /** An unsigned varint (value < 2^53). */
  varint(value: number): void {
    const buf = this.buf;
    while (value >= 0x80) {
      buf[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    buf[this.pos++] = value;
  }

  /** A 64-bit two's-complement varint. */
  varint64(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const buf = this.buf;
    while (v >= 0x80n) {
      buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    buf[this.pos++] = Number(v);
  }

  /** A field tag. */
  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** A little-endian float32. */
  float32(value: number): void {
    new DataView(this.buf.buffer, this.pos, 4).setFloat32(0, value, true);
    this.pos += 4;
  }

  /** Raw bytes. */
  bytes(value: Uint8Array): void {
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }
}
