/**
 * Counter-free, keyed pseudo-random numbers: the same (seed, keys…) always
 * yields the same sequence, in any process, whatever ran before. Data
 * augmentation keys its draws by (seed, epoch, record) so a resumed run
 * re-creates exactly the crops and batch order of an uninterrupted one.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting RNG),
 * seeded from a 128-bit mix of the seed and the keys (FNV-1a per key,
 * finalised with murmur3's fmix32).
 *
 * @module
 */

/** A sequential pseudo-random source. */
export interface Random {
  /** A float uniformly drawn from [0, 1). */
  next(): number;
  /** An integer uniformly drawn from [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
}

/** A key part: numbers are hashed by value, strings by their UTF-16 code units. */
export type RandomKey = number | string;

/**
 * Returns a generator determined only by `seed` and `keys`.
 *
 * @example Same keys, same draws
 * ```ts
 * import { keyedRandom } from "./keyed_random.ts";
 * const a = keyedRandom(42, "crop", 3, 17).next();
 * const b = keyedRandom(42, "crop", 3, 17).next();
 * if (a !== b) throw new Error("not deterministic");
 * ```
 */
export function keyedRandom(seed: number, ...keys: RandomKey[]): Random {
  const state = new Uint32Array(4);
  const lanes = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b];
  for (let lane = 0; lane < 4; lane++) {
    let h = lanes[lane] ^ Math.imul(lane + 1, 0x27d4eb2f);
    h = mixNumber(h, seed);
    for (const key of keys) {
      h = typeof key === "number" ? mixNumber(h, key) : mixString(h, key);
      h = fmix32(h);
    }
    state[lane] = fmix32(h);
  }
  return new Sfc32(state);
}

class Sfc32 implements Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(state: Uint32Array) {
    [this.#a, this.#b, this.#c, this.#d] = state;
    // Discard the first outputs: sfc32 mixes its state over ~12 rounds.
    for (let i = 0; i < 12; i++) this.#nextUint32();
  }

  #nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.#nextUint32() / 4294967296;
  }

  int(maxExclusive: number): number {
    if (!(maxExclusive >= 1) || !Number.isFinite(maxExclusive)) {
      throw new RangeError(
        `Cannot draw an integer below ${maxExclusive}: the bound must be a finite number >= 1`,
      );
    }
    return Math.floor(this.next() * Math.floor(maxExclusive));
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

function mixNumber(h: number, value: number): number {
  // Hash the IEEE-754 bits so 1, 1.5 and -1 all differ; integers stay exact.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  for (let i = 0; i < 8; i++) h = Math.imul(h ^ view.getUint8(i), 0x01000193);
  return h;
}

function mixString(h: number, value: string): number {
  for (let i = 0; i < value.length; i++) {
    h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  }
  return Math.imul(h ^ 0xff, 0x01000193);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
