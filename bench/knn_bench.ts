/**
 * `deno task bench knn`: exact cosine kNN (lib/metrics knnPredict: a wasm
 * SIMD filter on every core, then exact float64 rescoring) against NumPy
 * (BLAS matmul + argpartition, bench/peers/knn_peer.py) on the same random
 * embeddings, at the evaluate stage's sizes, and against the float64 scan
 * knnPredict ran before (`_nearest_neighbours.ts`, one thread, 512 queries
 * of each case, scaled). Prints seconds, the ratios and how many neighbour
 * lists agree. Rounds alternate ours and the peer; medians over rounds.
 *
 * Options: --rounds 3. Needs Debian's python3-numpy (the peer); it names
 * what is missing and exits with code 2.
 *
 * @module
 */
import { knnPredict } from "../lib/metrics/mod.ts";
import { inverseNorms } from "../lib/metrics/_inverse_norms.ts";
import { nearestNeighbours } from "../lib/metrics/_nearest_neighbours.ts";
import { keyedRandom } from "../lib/random/keyed_random.ts";
import { parseCliArgs } from "../cli/parse_args.ts";
import { requireDebianPackages } from "./_requirements.ts";
import {
  describeVectorScaling,
  measureVectorScaling,
} from "./_vector_scaling.ts";

const { values } = parseCliArgs(Deno.args, {
  rounds: { type: "string", default: "3" },
});
const ROUNDS = Number(values.rounds);
await requireDebianPackages("knn", [
  { package: "python3-numpy", what: "the NumPy peer", python: "import numpy" },
]);

const CASES = [
  { n: 2000, t: 10000, dim: 128, k: 10, classes: 100 },
  { n: 2000, t: 10000, dim: 512, k: 10, classes: 100 },
];
/** Queries of each case the float64 scan (the previous knnPredict) is timed on; scaled to n. */
const SCAN_QUERIES = 512;
const peer = new URL("./peers/knn_peer.py", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "knn_bench_" });
const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows: string[][] = [];
try {
  for (const { n, t, dim, k, classes } of CASES) {
    const rng = keyedRandom(1, "knn_bench", dim);
    const queries = Float32Array.from(
      { length: n * dim },
      () => rng.next() - 0.5,
    );
    const train = Float32Array.from(
      { length: t * dim },
      () => rng.next() - 0.5,
    );
    const labels = Int32Array.from({ length: t }, () => rng.int(classes));
    await Deno.writeFile(`${dir}/queries.f32`, new Uint8Array(queries.buffer));
    await Deno.writeFile(`${dir}/train.f32`, new Uint8Array(train.buffer));
    await Deno.writeFile(`${dir}/labels.i32`, new Uint8Array(labels.buffer));
    const options = { queries, train, trainLabels: labels, dim, classes, k };

    const ours: number[] = [], one: number[] = [], theirs: number[] = [];
    let neighbours: Int32Array = new Int32Array(0), numpy = "";
    for (let round = 0; round < ROUNDS; round++) {
      let start = performance.now();
      neighbours = (await knnPredict(options)).neighbours;
      ours.push((performance.now() - start) / 1000);
      start = performance.now();
      await knnPredict({ ...options, threads: 1 });
      one.push((performance.now() - start) / 1000);
      const output = await new Deno.Command("/usr/bin/python3", {
        args: [peer, dir, ...[n, t, dim, k, classes].map(String)],
        stderr: "inherit",
      }).output();
      if (!output.success) {
        throw new Error(
          `Cannot run the NumPy peer: exit code "${output.code}"`,
        );
      }
      const answer = JSON.parse(new TextDecoder().decode(output.stdout));
      theirs.push(answer.seconds);
      numpy = answer.numpy;
    }
    // The previous knnPredict: the float64 scan on one thread, on the first queries.
    const few = queries.subarray(0, SCAN_QUERIES * dim);
    let start = performance.now();
    const scan = nearestNeighbours({
      queries: few,
      train,
      queryInverseNorms: inverseNorms("queries", few, dim),
      trainInverseNorms: inverseNorms("train", train, dim),
      dim,
      k,
      chunkSize: 32,
      classBest: {
        trainLabels: labels,
        classes,
        out: new Float32Array(SCAN_QUERIES * classes),
      },
    });
    const scanSeconds = (performance.now() - start) / 1000 * n / SCAN_QUERIES;
    start = performance.now();

    const peerNeighbours = new Int32Array(
      (await Deno.readFile(`${dir}/neighbours.i32`)).buffer,
    );
    let same = 0, sameAsScan = 0;
    for (let q = 0; q < n; q++) {
      const a = neighbours.subarray(q * k, (q + 1) * k).join();
      if (a === peerNeighbours.subarray(q * k, (q + 1) * k).join()) same++;
      if (
        q < SCAN_QUERIES &&
        a === scan.neighbours.subarray(q * k, (q + 1) * k).join()
      ) sameAsScan++;
    }
    const o = median(ours), p = median(theirs);
    rows.push([
      `${n}×${t}×${dim}, k=${k}`,
      o.toFixed(3),
      median(one).toFixed(3),
      `${p.toFixed(3)} (numpy ${numpy})`,
      (p / o).toFixed(2),
      `${scanSeconds.toFixed(2)} (${(scanSeconds / o).toFixed(1)}× ours)`,
      `${same}/${n} numpy, ${sameAsScan}/${SCAN_QUERIES} scan`,
    ]);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
const header = [
  "queries×train×dim",
  "ours s",
  "ours 1 thread s",
  "numpy s",
  "numpy/ours (speed-up)",
  "previous float64 scan s",
  "same neighbours",
];
console.log(
  `(median of ${ROUNDS} rounds; ${navigator.hardwareConcurrency} threads for ours)`,
);
console.log(
  `| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`,
);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
console.log(describeVectorScaling(await measureVectorScaling()));
console.log(
  "(the SIMD figure is about the most two threads of ours can give over one)",
);
