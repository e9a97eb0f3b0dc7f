/**
 * One thread's share of the exact cosine kNN search, on the SIMD module
 * compiled from `wasm/knn_kernels.c` (a float32 GEMM filter with fused
 * multiply-adds, then exact float64 rescoring of what the filter keeps): the
 * same neighbours, similarities and class bests as the float64 scan in
 * `_nearest_neighbours.ts`, bit for bit. Each call instantiates the module on
 * a memory of its own. Private to lib/metrics.
 *
 * @module
 */
import { KNN_KERNELS_WASM_BASE64 } from "./_knn_kernels_wasm.ts";
import { nearestNeighbours } from "./_nearest_neighbours.ts";

/** Queries per micro-panel and train rows per panel (MR and NR in knn_kernels.c). */
const MR = 3, NR = 12;
/** Bytes of normalised train rows per chunk: about half of a 512 KiB L2 cache. */
const CHUNK_BYTES = 256 * 1024;
/** Bytes of train rows (raw and packed) one instance holds; bigger train sets go in slices. */
const SLICE_BYTES = 768 * 1024 * 1024;

/** What one thread searches; every array is a plain copy it may keep. */
export interface KnnShareInput {
  /** Row-major n × dim queries of this share. */
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
  /** Queries searched together (bounds the per-class and candidate state). */
  blockSize: number;
  /** Train rows per slice; @default what fits in 768 MiB. */
  sliceRows?: number;
}

/** The answer for one share. */
export interface KnnShareOutput {
  /** Row-major n × k train indices, nearest first (ties: lower index first). */
  neighbours: Int32Array;
  /** Row-major n × k similarities, float64 as the scan computes them. */
  similarities: Float64Array;
  /** Row-major n × classes best similarity per class (-Infinity for an empty class). */
  classBest: Float32Array;
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
  "resc_cls",
  "out_idx",
  "out_sim",
  "out_class",
  "overflow",
] as const;
type Field = typeof FIELDS[number];

interface KnnExports {
  knn_pack_train(plan: number): void;
  knn_search(plan: number, q0: number, q1: number): void;
}

/**
 * The float32 filter's window: twice the bound on |float32 − float64|
 * similarity of unit vectors, (dim + 4)·2⁻²⁴ with a factor 2 of slack,
 * plus the rounding of subtracting it in float32.
 */
export function filterWindow(dim: number): number {
  const eps = 2 * (dim + 4) * 2 ** -24;
  return 2 * eps + 2 ** -22;
}

/** Searches one share of the queries against all train rows, slice by slice. */
export function searchShare(input: KnnShareInput): KnnShareOutput {
  const { dim, k, classes, train } = input;
  const n = input.queryInverseNorms.length;
  const t = input.trainInverseNorms.length;
  const sliceRows = Math.max(
    1,
    input.sliceRows ?? Math.floor(SLICE_BYTES / (8 * dim)),
  );
  const neighbours = new Int32Array(n * k);
  const similarities = new Float64Array(n * k);
  const classBest = new Float32Array(n * classes).fill(-Infinity);
  const overflowed = new Uint8Array(n);
  let filled = 0; // neighbours kept so far per query (the same for all)
  for (let t0 = 0; t0 < t; t0 += sliceRows) {
    const t1 = Math.min(t, t0 + sliceRows);
    const slice = searchSlice(input, t0, t1);
    const ks = slice.k;
    for (let q = 0; q < n; q++) {
      if (slice.overflow[q]) overflowed[q] = 1;
      mergeNeighbours(
        neighbours,
        similarities,
        q * k,
        filled,
        slice.idx,
        slice.sim,
        q * ks,
        ks,
        t0,
        k,
      );
      // Later slices hold later train rows: only a strictly better one replaces (as the scan).
      for (let c = 0, at = q * classes; c < classes; c++, at++) {
        const s = slice.classBest[at];
        if (s > classBest[at]) classBest[at] = s;
      }
    }
    filled = Math.min(k, filled + ks);
  }
  // A query whose filter window held too many equal rows is searched by the scan itself.
  for (let q = 0; q < n; q++) {
    if (!overflowed[q]) continue;
    const one = nearestNeighbours({
      queries: input.queries.subarray(q * dim, (q + 1) * dim),
      train,
      queryInverseNorms: input.queryInverseNorms.subarray(q, q + 1),
      trainInverseNorms: input.trainInverseNorms,
      dim,
      k,
      chunkSize: 1,
    });
    neighbours.set(one.neighbours, q * k);
    similarities.set(one.similarities, q * k);
  }
  return { neighbours, similarities, classBest };
}

/** Merges a slice's sorted list (indices relative to `offset`) into a query's sorted list. */
function mergeNeighbours(
  idx: Int32Array,
  sim: Float64Array,
  at: number,
  filled: number,
  sliceIdx: Int32Array,
  sliceSim: Float64Array,
  from: number,
  count: number,
  offset: number,
  k: number,
): void {
  if (filled === 0) {
    for (let i = 0; i < count; i++) {
      idx[at + i] = sliceIdx[from + i] + offset;
      sim[at + i] = sliceSim[from + i];
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
      (a < filled && !(sliceSim[from + b] > oldSim[a]));
    if (takeOld) {
      idx[at + i] = oldIdx[a];
      sim[at + i] = oldSim[a++];
    } else {
      idx[at + i] = sliceIdx[from + b] + offset;
      sim[at + i] = sliceSim[from + b++];
    }
  }
}

interface SliceResult {
  k: number;
  idx: Int32Array;
  sim: Float64Array;
  classBest: Float32Array;
  overflow: Int32Array;
}

/** Runs the module over train rows [t0, t1) and all queries of the share. */
function searchSlice(
  input: KnnShareInput,
  t0: number,
  t1: number,
): SliceResult {
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
  place("strip", MR * tc * 4);
  place("cand_val", qb * cap * 4);
  place("cand_pos", qb * cap * 4);
  place("cand_n", qb * 4);
  place("thr", qb * 4);
  place("select", cap * 4);
  place("best_val", qb * classes * 4);
  place("best_pos", qb * classes * 4);
  place("resc_val", Math.max(cap, classes) * 8);
  place("resc_idx", Math.max(cap, classes) * 4);
  place("resc_cls", classes * 4);
  place("out_idx", n * k * 4);
  place("out_sim", n * k * 8);
  place("out_class", n * classes * 4);
  place("overflow", n * 4);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(top / 65536) });
  const exports = instantiate(memory);
  const buffer = memory.buffer;
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
  new Float32Array(buffer, at.traw, ts * dim).set(
    input.train.subarray(t0 * dim, t1 * dim),
  );
  new Float64Array(buffer, at.inv_t, ts).set(
    input.trainInverseNorms.subarray(t0, t1),
  );
  new Int32Array(buffer, at.perm, ts).set(perm);
  new Int32Array(buffer, at.class_start, classes + 1).set(classStart);
  new Int32Array(buffer, at.class_of, ts).set(classOf);
  new Float32Array(buffer, at.qraw, n * dim).set(queries);
  new Float64Array(buffer, at.inv_q, n).set(input.queryInverseNorms);
  exports.knn_pack_train(planAt);
  exports.knn_search(planAt, 0, n);
  return {
    k,
    idx: new Int32Array(buffer, at.out_idx, n * k).slice(),
    sim: new Float64Array(buffer, at.out_sim, n * k).slice(),
    classBest: new Float32Array(buffer, at.out_class, n * classes).slice(),
    overflow: new Int32Array(buffer, at.overflow, n).slice(),
  };
}

function instantiate(memory: WebAssembly.Memory): KnnExports {
  const bytes = Uint8Array.from(
    atob(KNN_KERNELS_WASM_BASE64),
    (c) => c.charCodeAt(0),
  );
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { memory },
  });
  return instance.exports as unknown as KnnExports;
}
