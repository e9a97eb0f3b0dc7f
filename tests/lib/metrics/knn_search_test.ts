import assert from "node:assert/strict";
import { inverseNorms } from "../../../lib/metrics/_inverse_norms.ts";
import {
  blockClaimer,
  newResults,
  searchBlocks,
} from "../../../lib/metrics/_knn_search.ts";
import { nearestNeighbours } from "../../../lib/metrics/_nearest_neighbours.ts";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";

interface Case {
  name: string;
  n: number;
  t: number;
  dim: number;
  k: number;
  classes: number;
  /**
   * Values: uniform reals, small integers (exact ties), the same few rows
   * over and over, or rows whose similarity to the first query lies within
   * 1e-15 of a point halfway between two float32 values.
   */
  values: "real" | "int" | "duplicates" | "midpoints";
  zeros?: boolean;
  blockSize?: number;
  sliceRows?: number;
}

const CASES: Case[] = [
  {
    name: "real, dim 1",
    n: 9,
    t: 40,
    dim: 1,
    k: 5,
    classes: 4,
    values: "real",
  },
  {
    name: "integer ties, dim 3",
    n: 37,
    t: 101,
    dim: 3,
    k: 6,
    classes: 9,
    values: "int",
  },
  {
    name: "real, dim 13, k = T",
    n: 11,
    t: 23,
    dim: 13,
    k: 23,
    classes: 5,
    values: "real",
  },
  {
    name: "real, dim 64, blocks of 5",
    n: 50,
    t: 700,
    dim: 64,
    k: 10,
    classes: 12,
    values: "real",
    blockSize: 5,
  },
  {
    name: "real, dim 130, empty classes",
    n: 20,
    t: 300,
    dim: 130,
    k: 7,
    classes: 40,
    values: "real",
  },
  {
    name: "zero rows and queries",
    n: 12,
    t: 90,
    dim: 8,
    k: 9,
    classes: 6,
    values: "int",
    zeros: true,
  },
  // Hundreds of rows tie at the k-th place: the filter's window overflows and the scan decides.
  {
    name: "many equal rows",
    n: 6,
    t: 900,
    dim: 4,
    k: 3,
    classes: 3,
    values: "duplicates",
  },
  {
    name: "train slices of 7 rows",
    n: 15,
    t: 61,
    dim: 5,
    k: 8,
    classes: 4,
    values: "int",
    sliceRows: 7,
  },
  // Each class best is a hair from a float32 rounding boundary: the fast rescoring hands it to the exact one.
  {
    name: "class bests at float32 midpoints",
    n: 3,
    t: 12,
    dim: 8,
    k: 3,
    classes: 12,
    values: "midpoints",
  },
  {
    name: "no classes",
    n: 10,
    t: 80,
    dim: 6,
    k: 4,
    classes: 0,
    values: "real",
  },
];

function data(c: Case) {
  const rng = keyedRandom(11, "knn_search", c.name);
  const draw = (length: number) =>
    Float32Array.from(
      { length },
      () => c.values === "real" ? rng.next() * 2 - 1 : rng.int(5) - 2,
    );
  const queries = draw(c.n * c.dim);
  const train = c.values === "midpoints"
    ? midpointRows(c.t, c.dim, rng)
    : draw(c.t * c.dim);
  if (c.values === "midpoints") queries.fill(0, 0, c.dim)[0] = 1;
  if (c.values === "duplicates") {
    for (let r = 0; r < c.t; r++) {
      train.copyWithin(r * c.dim, (r % 4) * c.dim, (r % 4 + 1) * c.dim);
    }
  }
  if (c.zeros) {
    train.fill(0, 0, 3 * c.dim);
    queries.fill(0, 0, c.dim);
  }
  // With 40 classes only the even ones have rows; at midpoints each row is a class.
  const labels = Int32Array.from(
    { length: c.t },
    (_, row) =>
      c.classes === 0
        ? 0
        : c.classes === 40
        ? rng.int(20) * 2
        : c.values === "midpoints"
        ? row
        : rng.int(c.classes),
  );
  return { queries, train, labels };
}

/**
 * `t` rows (x, 1, 0, …) whose similarity to (1, 0, …), x / |row| as the
 * scan computes it, is within 1e-15 of a float32 rounding boundary.
 */
function midpointRows(
  t: number,
  dim: number,
  rng: ReturnType<typeof keyedRandom>,
): Float32Array {
  const rows = new Float32Array(t * dim);
  for (let found = 0; found < t;) {
    const tries = new Float32Array(4096 * dim);
    for (let r = 0; r < 4096; r++) {
      tries[r * dim] = 0.001 + 0.001 * rng.next();
      tries[r * dim + 1] = 1;
    }
    const inv = inverseNorms("train", tries, dim);
    for (let r = 0; r < 4096 && found < t; r++) {
      const v = tries[r * dim] * inv[r];
      if (Math.fround(v - 1e-15) !== Math.fround(v + 1e-15)) {
        rows.set(tries.subarray(r * dim, (r + 1) * dim), found++ * dim);
      }
    }
  }
  return rows;
}

for (const c of CASES) {
  Deno.test(`searchBlocks() equals the float64 scan bit for bit: ${c.name}`, () => {
    const { queries, train, labels } = data(c);
    const invQ = inverseNorms("queries", queries, c.dim);
    const invT = inverseNorms("train", train, c.dim);
    const k = Math.min(c.k, c.t);
    const best = new Float32Array(c.n * c.classes);
    const scan = nearestNeighbours({
      queries,
      train,
      queryInverseNorms: invQ,
      trainInverseNorms: invT,
      dim: c.dim,
      k,
      chunkSize: 4,
      classBest: c.classes > 0
        ? { trainLabels: labels, classes: c.classes, out: best }
        : undefined,
    });
    const got = newResults(c.n, k, c.classes, false);
    const blockSize = c.blockSize ?? 256;
    searchBlocks(
      {
        queries,
        queryInverseNorms: invQ,
        train,
        trainInverseNorms: invT,
        trainLabels: labels,
        dim: c.dim,
        k,
        classes: c.classes,
        blockSize,
        sliceRows: c.sliceRows,
      },
      got,
      blockClaimer(c.n, blockSize, new Int32Array(1)),
    );
    assert.deepEqual(got.neighbours, scan.neighbours);
    // The scan keeps float64 similarities and returns them as float32.
    assert.deepEqual(Float32Array.from(got.similarities), scan.similarities);
    for (let i = 0; i < best.length; i++) {
      assert.ok(
        Object.is(got.classBest[i], best[i]),
        `class best ${i}: ${got.classBest[i]} vs ${best[i]}`,
      );
    }
  });
}
