/**
 * A seeded split of records into train and holdout, stratified by class:
 * each class gives `round(n · fraction)` of its records to the holdout, so
 * class proportions match in both parts.
 *
 * @module
 */
import { keyedRandom } from "../random/keyed_random.ts";
import { SPLIT_CODES } from "./record_index.ts";

/** Options of {@linkcode stratifiedSplit}. */
export interface StratifiedSplitOptions {
  /** Share of each class that goes to the holdout, in [0, 1). */
  fraction: number;
  /** Seed; the draw for class `c` is keyed by (seed, "split", c). */
  seed: number;
  /** Only records whose code here is `train` take part; others keep their code. @default all */
  eligible?: Uint8Array;
}

/**
 * Returns split codes ({@linkcode SPLIT_CODES}) for records with `labels`.
 * The result depends only on the labels, their order and the seed.
 *
 * @example Ten records of two classes, 20% holdout
 * ```ts
 * import { stratifiedSplit } from "./stratified_split.ts";
 * const labels = Int32Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
 * const split = stratifiedSplit(labels, { fraction: 0.2, seed: 1 });
 * if (split.reduce((a, b) => a + b, 0) !== 2) throw new Error("one per class");
 * ```
 */
export function stratifiedSplit(
  labels: Int32Array,
  options: StratifiedSplitOptions,
): Uint8Array {
  const { fraction, seed } = options;
  if (!(fraction >= 0 && fraction < 1)) {
    throw new RangeError(
      `Cannot split with holdout fraction "${fraction}": it must be in [0, 1)`,
    );
  }
  const split = options.eligible?.slice() ?? new Uint8Array(labels.length);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    if (split[i] !== SPLIT_CODES.train) continue;
    const members = byClass.get(labels[i]);
    if (members) members.push(i);
    else byClass.set(labels[i], [i]);
  }
  for (const [label, members] of byClass) {
    const take = Math.round(members.length * fraction);
    keyedRandom(seed, "split", label).shuffle(members);
    for (let k = 0; k < take; k++) split[members[k]] = SPLIT_CODES.holdout;
  }
  return split;
}
