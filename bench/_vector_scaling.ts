/**
 * How much a second core speeds up scalar and SIMD code on this machine:
 * one process of each kind alone, then two side by side, each process
 * timing a fixed amount of its own work. On the 2-vCPU VM this project is
 * measured on, scalar code scales about 2× while SIMD code (the GEMM behind
 * the kNN filter, libjpeg-turbo's IDCT) scales 1.5-1.8×: a limit the
 * benchmarks' two-core figures meet before any cost of our own threading.
 *
 * Run as a child: `deno run -A bench/_vector_scaling.ts scalar|simd`
 * prints the seconds of its work.
 *
 * @module
 */
import { knnPredict } from "../lib/metrics/mod.ts";
import { keyedRandom } from "../lib/random/keyed_random.ts";

/** Two processes' combined rate over one alone's, for scalar and for SIMD work. */
export interface VectorScaling {
  /** A scalar floating-point loop in JavaScript. */
  scalar: number;
  /** The kNN search's float32 relaxed-SIMD filter on one thread. */
  simd: number;
}

/** Work for one child: a scalar loop, or one-thread kNN searches (mostly the SIMD GEMM). */
async function work(kind: "scalar" | "simd"): Promise<number> {
  if (kind === "scalar") {
    const start = performance.now();
    let sum = 0;
    for (let i = 0; i < 2e8; i++) sum += Math.sqrt(i) * 1e-9;
    if (!(sum > 0)) throw new Error("unreachable: the sum is positive");
    return (performance.now() - start) / 1000;
  }
  const dim = 256, n = 600, t = 6000;
  const rng = keyedRandom(1, "vector_scaling");
  const values = (count: number) =>
    Float32Array.from({ length: count * dim }, () => rng.next() - 0.5);
  const queries = values(n), train = values(t);
  const trainLabels = Int32Array.from({ length: t }, () => rng.int(10));
  const search = () =>
    knnPredict({ queries, train, trainLabels, dim, classes: 10, threads: 1 });
  await search(); // compile and tier up
  const start = performance.now();
  for (let i = 0; i < 8; i++) await search();
  return (performance.now() - start) / 1000;
}

/** Runs `copies` children of `kind` at once; the mean of their seconds. */
async function children(
  kind: "scalar" | "simd",
  copies: number,
): Promise<number> {
  const self = new URL(import.meta.url).pathname;
  const outputs = await Promise.all(
    Array.from({ length: copies }, () =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", self, kind],
        stdout: "piped",
        stderr: "inherit",
      }).output()),
  );
  const seconds = outputs.map((o) => {
    if (!o.success) {
      throw new Error(`Cannot measure vector scaling: a ${kind} child failed`);
    }
    return Number(new TextDecoder().decode(o.stdout).trim());
  });
  return seconds.reduce((a, b) => a + b, 0) / copies;
}

/** The line the benchmarks print for `scaling`. */
export function describeVectorScaling(scaling: VectorScaling): string {
  return `(this machine, two processes side by side against one alone: scalar JavaScript ${
    scaling.scalar.toFixed(2)
  }×, one-thread kNN searches (SIMD) ${scaling.simd.toFixed(2)}×)`;
}

/**
 * Measures both kinds: scaling = 2 × (seconds alone) / (mean seconds of the
 * two side by side); 2 means the second core is a full core for that code.
 */
export async function measureVectorScaling(): Promise<VectorScaling> {
  const scaling = async (kind: "scalar" | "simd") => {
    const alone = await children(kind, 1);
    const pair = await children(kind, 2);
    return (2 * alone) / pair;
  };
  return { scalar: await scaling("scalar"), simd: await scaling("simd") };
}

if (import.meta.main) {
  const kind = Deno.args[0];
  if (kind !== "scalar" && kind !== "simd") {
    console.error("usage: _vector_scaling.ts scalar|simd");
    Deno.exit(2);
  }
  console.log(await work(kind));
}
