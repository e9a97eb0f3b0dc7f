/**
 * The exact cosine kNN search on the SIMD module compiled from
 * `wasm/knn_kernels.c` (a float32 GEMM filter with fused multiply-adds,
 * then exact float64 rescoring of what the filter keeps): the same
 * neighbours, similarities and class bests as the float64 scan in
 * `_nearest_neighbours.ts`, bit for bit. A thread searches the blocks of
 * queries it claims (from a counter Workers share, so a Worker that starts
 * late takes fewer), each against every slice of train rows, and writes
 * them into results the threads share. Private to lib/metrics.
 *
 * @module
 */
import { KNN_KERNELS_WASM_BASE64 } from "./_knn_kernels_wasm.ts";
import { nearestNeighbours } from "./_nearest_neighbours.ts";

/** Queries per micro-panel (MR in knn_kernels.c). */
export const MR = 4;
/** Train rows per panel (NR in knn_kernels.c). */
const NR = 8;
/** Bytes of normalised train rows per chunk: about half of a 512 KiB L2 cache. */
const CHUNK_BYTES = 256 * 1024;
/** Bytes of train rows (raw and packed) one instance holds; bigger train sets go in slices. */
const SLICE_BYTES = 768 * 1024 * 1024;

/** What the threads search; every array is a copy they may keep. */
export interface KnnShareInput {
  /** Row-major n × dim queries. */
  queries: Float32Array;
  /** 1/‖row‖ of each query (0 for a zero row). */
  queryInverseNorms: Float64Array;
  /** Row-major T × dim train rows. */
  train: Float32Array;
  /** 1/‖row‖ of each train row. */
  trainInverseNorms: Float64Array;
  /** The class of each train row. */
  trainLabels: Int32Array;
  /** The embedding size. */
  dim: number;
  /** Neighbours per query, 1 ≤ k ≤ T. */
  k: number;
  /** The number of classes, or 0 for no per-class bests. */
  classes: number;
  /** Queries searched together, at most (bounds the per-class and candidate state). */
  blockSize: number;
  /** Train rows per slice; @default what fits in 768 MiB. */
  sliceRows?: number;
}

/** The answer: the threads write each block they search into it. */
export interface KnnShareOutput {
  /** Row-major n × k train indices, nearest first (ties: lower index first). */
  neighbours: Int32Array;
  /** Row-major n × k similarities, float64 as the scan computes them. */
  similarities: Float64Array;
  /** Row-major n × classes best similarity per class (-Infinity for an empty class). */
  classBest: Float32Array;
}

/** A Worker's job: the inputs and results on SharedArrayBuffers, and the block counter. */
export interface WorkerJob {
  /** What to search. */
  input: KnnShareInput;
  /** Where to write the answers. */
  out: KnnShareOutput;
  /** The next block to claim, shared by all threads. */
  counter: Int32Array;
}

/** Plan field indices, in the order of `KnnPlan` in knn_kernels.c. */
const FIELDS = [
  "dim",
  "t",
  "k",
  "classes",
  "tc",
  "qb",
  "cap",
  "eps2",
  "traw",
  "inv_t",
  "tpack",
  "perm",
  "class_start",
  "class_of",
  "qraw",
  "inv_q",
  "qpack",
  "qnorm",
  "qwide",
  "strip",
  "cand_val",
  "cand_pos",
  "cand_n",
  "thr",
  "select",
  "best_val",
  "best_pos",
  "resc_val",
  "resc_idx",
  "out_idx",
  "out_sim",
  "out_class",
  "overflow",
] as const;
type Field = typeof FIELDS[number];

interface KnnExports {
  knn_pack_train(plan: number): void;
  knn_block_begin(plan: number, b0: number, b1: number): void;
  knn_block_chunk(plan: number, b0: number, b1: number, j0: number): void;
  knn_block_end(plan: number, b0: number, b1: number): void;
}

/**
 * The compiled module, shared by every instance (a constant): V8 optimises
 * its functions once they have run a while, and every later search of this
 * process starts with that optimised code.
 */
const KNN_MODULE = new WebAssembly.Module(
  Uint8Array.from(atob(KNN_KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)),
);

/**
 * The float32 filter's window: twice the bound on |float32 − float64|
 * similarity of unit vectors, (dim + 4)·2⁻²⁴ with a factor 2 of slack,
 * plus the rounding of subtracting it in float32.
 */
export function filterWindow(dim: number): number {
  const eps = 2 * (dim + 4) * 2 ** -24;
  return 2 * eps + 2 ** -22;
}

/** Results for `n` queries (on a SharedArrayBuffer when `shared`, for threads to fill). */
export function newResults(
  n: number,
  k: number,
  classes: number,
  shared: boolean,
): KnnShareOutput {
  const buffer = (bytes: number) =>
    shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return {
    neighbours: new Int32Array(buffer(4 * n * k)),
    similarities: new Float64Array(buffer(8 * n * k)),
    classBest: new Float32Array(buffer(4 * n * classes)).fill(-Infinity),
  };
}

/** The next block of queries [b0, b1) for this thread, or undefined when none is left. */
export type ClaimBlock = () => [number, number] | undefined;

/** Hands out blocks of `size` queries from a counter (a shared Int32Array lets threads take turns). */
export function blockClaimer(
  n: number,
  size: number,
  counter: Int32Array,
): ClaimBlock {
  return () => {
    const i = Atomics.add(counter, 0, 1);
    return i * size < n ? [i * size, Math.min(n, (i + 1) * size)] : undefined;
  };
}

/** Searches every block `claim` hands out, against all train rows, into `out`. */
export function searchBlocks(
  input: KnnShareInput,
  out: KnnShareOutput,
  claim: ClaimBlock,
): void {
  const { dim, k, classes } = input;
  const t = input.trainInverseNorms.length;
  const sliceRows = Math.max(
    1,
    input.sliceRows ?? Math.floor(SLICE_BYTES / (8 * dim)),
  );
  const slices: [number, number][] = [];
  for (let t0 = 0; t0 < t; t0 += sliceRows) {
    slices.push([t0, Math.min(t, t0 + sliceRows)]);
  }
  let current: SliceSearch | undefined;
  for (let block = claim(); block !== undefined; block = claim()) {
    const [b0, b1] = block;
    const overflowed = new Uint8Array(b1 - b0);
    let filled = 0; // neighbours kept so far per query (the same for all)
    for (const [t0, t1] of slices) {
      if (current?.t0 !== t0) current = new SliceSearch(input, t0, t1);
      const slice = current.search(b0, b1);
      const ks = slice.k;
      for (let q = b0; q < b1; q++) {
        if (slice.overflow[q - b0]) overflowed[q - b0] = 1;
        mergeNeighbours(out, q * k, filled, slice, (q - b0) * ks, t0, k);
        // Later slices hold later train rows: only a strictly better one replaces (as the scan).
        for (let c = 0, at = q * classes; c < classes; c++, at++) {
          const s = slice.classBest[(q - b0) * classes + c];
          if (s > out.classBest[at]) out.classBest[at] = s;
        }
      }
      filled = Math.min(k, filled + ks);
    }
    // A query whose filter window held too many equal rows is searched by the scan itself.
    for (let q = b0; q < b1; q++) {
      if (!overflowed[q - b0]) continue;
      const one = nearestNeighbours({
        queries: input.queries.subarray(q * dim, (q + 1) * dim),
        train: input.train,
        queryInverseNorms: input.queryInverseNorms.subarray(q, q + 1),
        trainInverseNorms: input.trainInverseNorms,
        dim,
        k,
        chunkSize: 1,
      });
      out.neighbours.set(one.neighbours, q * k);
      out.similarities.set(one.similarities, q * k);
    }
  }
}

/** Merges a slice's sorted list (indices relative to `offset`) into a query's sorted list. */
function mergeNeighbours(
  out: KnnShareOutput,
  at: number,
  filled: number,
  slice: SliceResult,
  from: number,
  offset: number,
  k: number,
): void {
  const { neighbours: idx, similarities: sim } = out;
  const count = slice.k;
  if (filled === 0) {
    for (let i = 0; i < count; i++) {
      idx[at + i] = slice.idx[from + i] + offset;
      sim[at + i] = slice.sim[from + i];
    }
    return;
  }
  const oldIdx = idx.slice(at, at + filled);
  const oldSim = sim.slice(at, at + filled);
  let a = 0, b = 0;
  const total = Math.min(k, filled + count);
  for (let i = 0; i < total; i++) {
    // Earlier slices hold lower train indices: on equal similarity the old entry goes first.
    const takeOld = b >= count ||
      (a < filled && !(slice.sim[from + b] > oldSim[a]));
    if (takeOld) {
      idx[at + i] = oldIdx[a];
      sim[at + i] = oldSim[a++];
    } else {
      idx[at + i] = slice.idx[from + b] + offset;
      sim[at + i] = slice.sim[from + b++];
    }
  }
}

/** One block's answer against one slice (indices relative to the slice). */
interface SliceResult {
  k: number;
  idx: Int32Array;
  sim: Float64Array;
  classBest: Float32Array;
  overflow: Int32Array;
}

/** The module over train rows [t0, t1) and all queries: packed once, then searched block by block. */
class SliceSearch {
  readonly t0: number;
  readonly #exports: KnnExports;
  readonly #buffer: ArrayBufferLike;
  readonly #at: Record<Field, number>;
  readonly #planAt: number;
  readonly #k: number;
  readonly #classes: number;
  readonly #tc: number;
  readonly #ts: number;

  constructor(input: KnnShareInput, t0: number, t1: number) {
    const { dim, classes, queries } = input;
    const n = input.queryInverseNorms.length;
    const ts = t1 - t0;
    const k = Math.min(input.k, ts);
    const qb = Math.max(1, Math.min(input.blockSize, n));
    const tc = Math.max(
      NR,
      Math.min(
        Math.ceil(ts / NR) * NR,
        Math.floor(CHUNK_BYTES / (4 * dim) / NR) * NR,
      ),
    );
    const cap = 2 * k + 256;
    // Packed order: by (class, train index), so each class is one run of rows.
    const labels = input.trainLabels.subarray(t0, t1);
    const perm = new Int32Array(ts);
    const classStart = new Int32Array(classes + 1);
    const classOf = new Int32Array(ts);
    if (classes > 0) {
      for (let j = 0; j < ts; j++) classStart[labels[j] + 1]++;
      for (let c = 0; c < classes; c++) classStart[c + 1] += classStart[c];
      const next = classStart.slice(0, classes);
      for (let j = 0; j < ts; j++) perm[next[labels[j]]++] = j;
      for (let c = 0; c < classes; c++) {
        classOf.fill(c, classStart[c], classStart[c + 1]);
      }
    } else {
      for (let j = 0; j < ts; j++) perm[j] = j;
    }

    // Lay out the memory: byte offsets, 16-byte aligned.
    let top = 64;
    const at: Partial<Record<Field, number>> = {};
    const place = (field: Field, bytes: number) => {
      at[field] = top;
      top += Math.ceil(bytes / 16) * 16;
    };
    const planAt = top;
    top += Math.ceil((FIELDS.length * 4) / 16) * 16;
    place("traw", ts * dim * 4);
    place("inv_t", ts * 8);
    place("tpack", Math.ceil(ts / NR) * NR * dim * 4);
    place("perm", ts * 4);
    place("class_start", (classes + 1) * 4);
    place("class_of", ts * 4);
    place("qraw", n * dim * 4);
    place("inv_q", n * 8);
    place("qpack", Math.ceil(qb / MR) * MR * dim * 4);
    place("qnorm", qb * dim * 4);
    place("qwide", qb * dim * 8);
    place("strip", MR * tc * 4);
    place("cand_val", qb * cap * 4);
    place("cand_pos", qb * cap * 4);
    place("cand_n", qb * 4);
    place("thr", qb * 4);
    place("select", cap * 4);
    place("best_val", qb * classes * 4);
    place("best_pos", qb * classes * 4);
    place("resc_val", cap * 8);
    place("resc_idx", cap * 4);
    place("out_idx", n * k * 4);
    place("out_sim", n * k * 8);
    place("out_class", n * classes * 4);
    place("overflow", n * 4);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(top / 65536) });
    this.#exports = instantiate(memory);
    const buffer = this.#buffer = memory.buffer;
    const plan = new Int32Array(buffer, planAt, FIELDS.length);
    const values: Record<string, number> = {
      dim,
      t: ts,
      k,
      classes,
      tc,
      qb,
      cap,
    };
    FIELDS.forEach((field, i) => {
      if (field === "eps2") {
        new Float32Array(buffer, planAt + 4 * i, 1)[0] = filterWindow(dim);
      } else plan[i] = values[field] ?? at[field]!;
    });
    // Train rows and their norms in packed order: a class's rows lie together.
    const traw = new Float32Array(buffer, at.traw, ts * dim);
    const invT = new Float64Array(buffer, at.inv_t, ts);
    for (let j = 0; j < ts; j++) {
      const row = t0 + perm[j];
      traw.set(input.train.subarray(row * dim, (row + 1) * dim), j * dim);
      invT[j] = input.trainInverseNorms[row];
    }
    new Int32Array(buffer, at.perm, ts).set(perm);
    new Int32Array(buffer, at.class_start, classes + 1).set(classStart);
    new Int32Array(buffer, at.class_of, ts).set(classOf);
    new Float32Array(buffer, at.qraw, n * dim).set(queries);
    new Float64Array(buffer, at.inv_q, n).set(input.queryInverseNorms);
    this.#exports.knn_pack_train(planAt);
    this.t0 = t0;
    this.#at = at as Record<Field, number>;
    this.#planAt = planAt;
    this.#k = k;
    this.#classes = classes;
    this.#tc = tc;
    this.#ts = ts;
  }

  /** Searches queries [b0, b1) (at most blockSize of them). */
  search(b0: number, b1: number): SliceResult {
    const ex = this.#exports, plan = this.#planAt, at = this.#at;
    // Many short calls (one train chunk each): see knn_kernels.c on V8's tiers.
    ex.knn_block_begin(plan, b0, b1);
    for (let j0 = 0; j0 < this.#ts; j0 += this.#tc) {
      ex.knn_block_chunk(plan, b0, b1, j0);
    }
    ex.knn_block_end(plan, b0, b1);
    const k = this.#k, classes = this.#classes, m = b1 - b0;
    const buffer = this.#buffer;
    return {
      k,
      idx: new Int32Array(buffer, at.out_idx + 4 * b0 * k, m * k),
      sim: new Float64Array(buffer, at.out_sim + 8 * b0 * k, m * k),
      classBest: new Float32Array(
        buffer,
        at.out_class + 4 * b0 * classes,
        m * classes,
      ),
      overflow: new Int32Array(buffer, at.overflow + 4 * b0, m),
    };
  }
}

function instantiate(memory: WebAssembly.Memory): KnnExports {
  const instance = new WebAssembly.Instance(KNN_MODULE, { env: { memory } });
  return instance.exports as unknown as KnnExports;
}
