/**
 * Per-layer seeds derived from one model seed, so the same seed gives the
 * same initial weights in any process whatever was built before.
 *
 * @module
 */
import { keyedRandom, type RandomKey } from "../../random/keyed_random.ts";

/** A 31-bit seed determined only by `seed` and `keys` (e.g. a layer and weight name). */
export function deriveSeed(seed: number, ...keys: RandomKey[]): number {
  return Math.floor(keyedRandom(seed, ...keys).next() * 0x7fffffff);
}
