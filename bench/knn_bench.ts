/**
 * `deno task bench knn`: exact cosine kNN (lib/metrics knnPredict, pure JS)
 * against NumPy (BLAS matmul + argpartition, bench/peers/knn_peer.py) on the
 * same random embeddings, at the evaluate stage's sizes. Prints seconds,
 * the ratio and how many neighbour lists agree.
 *
 * @module
 */
import { knnPredict } from "../lib/metrics/mod.ts";
import { keyedRandom } from "../lib/random/keyed_random.ts";

const CASES = [
  { n: 2000, t: 10000, dim: 128, k: 10, classes: 100 },
  { n: 2000, t: 10000, dim: 512, k: 10, classes: 100 },
];
const peer = new URL("./peers/knn_peer.py", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "knn_bench_" });
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

    const start = performance.now();
    const ours = await knnPredict({
      queries,
      train,
      trainLabels: labels,
      dim,
      classes,
      k,
    });
    const oursSeconds = (performance.now() - start) / 1000;

    const output = await new Deno.Command("/usr/bin/python3", {
      args: [peer, dir, ...[n, t, dim, k, classes].map(String)],
      stderr: "inherit",
    }).output();
    if (!output.success) {
      throw new Error(`Cannot run the NumPy peer: exit code "${output.code}"`);
    }
    const { seconds: peerSeconds, numpy } = JSON.parse(
      new TextDecoder().decode(output.stdout),
    );
    const theirs = new Int32Array(
      (await Deno.readFile(`${dir}/neighbours.i32`)).buffer,
    );
    let same = 0;
    for (let q = 0; q < n; q++) {
      const a = ours.neighbours.subarray(q * k, (q + 1) * k).join();
      if (a === theirs.subarray(q * k, (q + 1) * k).join()) same++;
    }
    rows.push([
      `${n}×${t}×${dim}, k=${k}`,
      oursSeconds.toFixed(2),
      `${Number(peerSeconds).toFixed(2)} (numpy ${numpy})`,
      (oursSeconds / peerSeconds).toFixed(1),
      `${same}/${n}`,
    ]);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
const header = [
  "queries×train×dim",
  "ours s",
  "numpy s",
  "ours/numpy",
  "same neighbours",
];
console.log(
  `| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`,
);
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
