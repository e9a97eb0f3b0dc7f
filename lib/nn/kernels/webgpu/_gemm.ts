/**
 * A tiled matrix product C[M, N] = A[M, K] · B[K, N] in WGSL whose operands
 * are read through loader functions, so a convolution's operands are
 * addressed in place (implicit GEMM: no im2col buffer). Each workgroup
 * computes a BM×BN tile with 4×4 outputs per invocation, staging BK-deep
 * slices of A and B in workgroup memory.
 *
 * Split-K: when the M×N tiles alone are too few to fill a GPU (a filter
 * gradient has M×N = filter size but K = batch·height·width), K is cut into
 * chunks, each workgroup writes its chunk's partial tile, and a second pass
 * sums the partials in a fixed order (deterministic, no atomics).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import {
  disposeScratch,
  grid,
  makeOutput,
  runShader,
  storageBindings,
  type UniformField,
  uniformStruct,
} from "./_dispatcher.ts";

/**
 * How an operand is read: WGSL over bindings `a`/`b` and uniforms `u`. Each
 * invocation loads the same rows of A (columns of B) at every K step, so the
 * row's part of the address is computed once: for A, `fn rowA(m: i32) ->
 * vec4<i32>` and `fn loadA(r: vec4<i32>, k: i32) -> f32`; for B, `fn colB(n:
 * i32) -> vec4<i32>` and `fn loadB(c: vec4<i32>, k: i32) -> f32`. Loads are
 * only made in range.
 */
export interface GemmOperand {
  /** Distinguishes loaders in the shader cache key. */
  key: string;
  /** The WGSL of the two functions. */
  wgsl: string;
  /** The index along which consecutive memory lies ("k" or the other one), for coalesced loads. */
  fast: "k" | "m" | "n";
}

/** One matrix product. */
export interface GemmSpec {
  /** Name in profiles. */
  label: string;
  /** Rows of C. */
  m: number;
  /** Columns of C. */
  n: number;
  /** The inner dimension. */
  k: number;
  /** A's loader (binding `a`). */
  a: GemmOperand;
  /** B's loader (binding `b`). */
  b: GemmOperand;
  /** The tensors behind `a` and `b`. */
  inputs: readonly [tf.TensorInfo, tf.TensorInfo];
  /** Extra uniforms the loaders read (names must not be m, n, k, kChunk, zCount, tilesY). */
  uniforms?: Record<string, UniformField>;
  /** Added to every row of C (`[n]`), e.g. a convolution's bias. */
  bias?: tf.TensorInfo;
  /** Shape of the result (its size is m·n, row-major [m, n]). */
  outShape: number[];
  /**
   * Independent sub-products in one dispatch (workgroups along z), e.g. the
   * stride phases of a transposed convolution: WGSL defining `fn
   * setPhase(p: i32)` (run first; may set private variables the loaders
   * read), `fn phaseM() -> i32`, `fn phaseK() -> i32` and `fn outRow(m: i32)
   * -> i32` (where row m of this phase goes in C). `m` is then the largest
   * phase's row count; K is not split.
   */
  phases?: { count: number; key: string; wgsl: string };
}

/**
 * Workgroups a product should spread over before K is split (a wave of a
 * large GPU, e.g. 132 SMs). A split costs a second dispatch, so products
 * with enough tiles, or too little K to share, run in one.
 */
const TARGET_WORKGROUPS = 256;
/** Inner-dimension slice per workgroup-memory stage. */
const BK = 16;
/** Row tiles along y (the limit is 65535 workgroups per dimension). */
const MAX_TILES_Y = 32768;
/** Fewest BK-slices per split (512 of K). */
const MIN_SLICES_PER_SPLIT = 32;

/** The tile and split a product runs with. */
export interface GemmPlan {
  /** Tile rows. */
  bm: 32 | 64;
  /** Tile columns. */
  bn: 32 | 64;
  /** K chunks (1: no split). */
  splits: number;
  /** Inner-dimension length per chunk (a multiple of BK). */
  kChunk: number;
}

/** Chooses tiles and the split for an m×n×k product. */
export function planGemm(m: number, n: number, k: number): GemmPlan {
  const bm = m <= 32 ? 32 : 64, bn = n <= 32 ? 32 : 64;
  const tiles = Math.ceil(m / bm) * Math.ceil(n / bn);
  const slices = Math.ceil(k / BK);
  const wanted = Math.ceil(TARGET_WORKGROUPS / tiles);
  let splits = Math.max(
    1,
    Math.min(wanted, Math.floor(slices / MIN_SLICES_PER_SPLIT)),
  );
  const kChunk = Math.ceil(slices / splits) * BK;
  splits = Math.ceil(k / kChunk);
  return { bm, bn, splits, kChunk };
}

/** C = A·B (a new tensor of `spec.outShape`). */
export function gemm(backend: WebGpuBackend, spec: GemmSpec): tf.TensorInfo {
  const plan = spec.phases
    ? { ...planGemm(spec.m, spec.n, spec.k), splits: 1, kChunk: spec.k }
    : planGemm(spec.m, spec.n, spec.k);
  const out = makeOutput(backend, spec.outShape);
  if (spec.m * spec.n === 0) return out;
  const partial = plan.splits > 1
    ? makeOutput(backend, [plan.splits, spec.m, spec.n])
    : out;
  // Row tiles beyond the 65535 workgroups a dimension allows continue along z.
  const tilesM = Math.ceil(spec.m / plan.bm);
  const zCount = spec.phases?.count ?? plan.splits;
  const uniforms: Record<string, UniformField> = {
    m: ["i32", spec.m],
    n: ["i32", spec.n],
    k: ["i32", spec.k],
    kChunk: ["i32", plan.kChunk],
    zCount: ["i32", zCount],
    tilesY: ["i32", Math.min(tilesM, MAX_TILES_Y)],
    ...spec.uniforms,
  };
  // The bias goes in with the last pass: the product itself, or the split sum.
  const bias = plan.splits > 1 ? undefined : spec.bias;
  runShader(backend, {
    key: `gemm_${plan.bm}x${plan.bn}_${spec.a.key}_${spec.b.key}_${
      Object.keys(uniforms).join(",")
    }_${bias !== undefined}_${spec.phases?.key}`,
    label: spec.label,
    code: () => gemmShader(plan, spec, uniforms, bias !== undefined),
    buffers: [partial, ...spec.inputs, ...(bias ? [bias] : [])],
    uniforms,
    workgroups: [
      Math.ceil(spec.n / plan.bn),
      Math.min(tilesM, MAX_TILES_Y),
      zCount * Math.ceil(tilesM / MAX_TILES_Y),
    ],
  });
  if (partial !== out) {
    sumSplits(
      backend,
      partial,
      out,
      plan.splits,
      spec.m * spec.n,
      spec.label,
      spec.bias,
    );
    disposeScratch(backend, partial);
  }
  return out;
}

/** out[i] = Σ_s partial[s·size + i], in order of s (+ bias[i mod n] when given). */
export function sumSplits(
  backend: WebGpuBackend,
  partial: tf.TensorInfo,
  out: tf.TensorInfo,
  splits: number,
  size: number,
  label: string,
  bias?: tf.TensorInfo,
): void {
  const uniforms: Record<string, UniformField> = {
    size: ["i32", size],
    splits: ["i32", splits],
    n: ["i32", bias?.shape[0] ?? 1],
  };
  const workgroups = grid(size, 256);
  runShader(backend, {
    key: `sum_splits_${bias !== undefined}`,
    label: `${label}:sum`,
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["out", "rw"],
        ["part", "r"],
        ...(bias ? [["bias", "r"] as const] : []),
      ])
    }
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  let i = i32(gid.x + gid.y * groups.x * 256u);
  if (i >= u.size) { return; }
  var s = 0.0;
  for (var j = 0; j < u.splits; j++) { s += part[j * u.size + i]; }
  out[i] = s${bias ? " + bias[i % u.n]" : ""};
}`,
    buffers: [out, partial, ...(bias ? [bias] : [])],
    uniforms,
    workgroups,
  });
}

function gemmShader(
  plan: GemmPlan,
  spec: GemmSpec,
  uniforms: Record<string, UniformField>,
  withBias: boolean,
): string {
  const { bm, bn } = plan;
  const phased = spec.phases !== undefined;
  const wx = bn / 4, wy = bm / 4, threads = wx * wy;
  const loadsA = (bm * BK) / threads, loadsB = (bn * BK) / threads;
  const lines: string[] = [], rows: string[] = [];
  // Stage a BK-deep slice of A (bm × BK) and B (BK × bn) in workgroup memory,
  // with consecutive invocations on consecutive memory of each operand.
  for (let i = 0; i < loadsA; i++) {
    const [mm, kk] = spec.a.fast === "k"
      ? [`e${i}A / ${BK}`, `e${i}A % ${BK}`]
      : [`e${i}A % ${bm}`, `e${i}A / ${bm}`];
    rows.push(`
  let e${i}A = tid + ${i * threads};
  let mA${i} = ${mm}; let kA${i} = ${kk};
  let okA${i} = m0 + mA${i} < rowsM;
  let rA${i} = rowA(m0 + mA${i});`);
    lines.push(`
    { let gk = k0 + kA${i};
      var v = 0.0;
      if (okA${i} && gk < kEnd) { v = loadA(rA${i}, gk); }
      tileA[kA${i} * ${bm} + mA${i}] = v; }`);
  }
  for (let i = 0; i < loadsB; i++) {
    const [kk, nn] = spec.b.fast === "k"
      ? [`e${i}B % ${BK}`, `e${i}B / ${BK}`]
      : [`e${i}B / ${bn}`, `e${i}B % ${bn}`];
    rows.push(`
  let e${i}B = tid + ${i * threads};
  let kB${i} = ${kk}; let nB${i} = ${nn};
  let okB${i} = n0 + nB${i} < u.n;
  let cB${i} = colB(n0 + nB${i});`);
    lines.push(`
    { let gk = k0 + kB${i};
      var v = 0.0;
      if (okB${i} && gk < kEnd) { v = loadB(cB${i}, gk); }
      tileB[kB${i} * ${bn} + nB${i}] = v; }`);
  }
  const acc: string[] = [], fma: string[] = [], store: string[] = [];
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      acc.push(`var c${i}${j} = 0.0;`);
      fma.push(`c${i}${j} = fma(a${i}, b${j}, c${i}${j});`);
      store.push(`
  { let gm = m0 + ty + ${i * wy}; let gn = n0 + tx + ${j * wx};
    if (gm < rowsM && gn < u.n) { out[base + ${
        phased ? "outRow(gm)" : "gm"
      } * u.n + gn] = c${i}${j}${withBias ? " + bias[gn]" : ""}; } }`);
    }
  }
  const reads: string[] = [];
  for (let i = 0; i < 4; i++) {
    reads.push(`let a${i} = tileA[kk * ${bm} + ty + ${i * wy}];`);
    reads.push(`let b${i} = tileB[kk * ${bn} + tx + ${i * wx}];`);
  }
  return `
${uniformStruct(uniforms)}
${
    storageBindings([
      ["out", "rw"],
      ["a", "r"],
      ["b", "r"],
      ...(withBias ? [["bias", "r"] as const] : []),
    ])
  }
var<workgroup> tileA: array<f32, ${bm * BK}>;
var<workgroup> tileB: array<f32, ${bn * BK}>;
${phased ? spec.phases!.wgsl : ""}
${spec.a.wgsl}
${spec.b.wgsl}
@compute @workgroup_size(${wx}, ${wy}, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>) {
  let tx = i32(lid.x); let ty = i32(lid.y);
  let tid = ty * ${wx} + tx;
  let n0 = i32(wid.x) * ${bn};
  let z = i32(wid.z) % u.zCount;
  let m0 = (i32(wid.y) + (i32(wid.z) / u.zCount) * u.tilesY) * ${bm};
  ${
    phased
      ? `setPhase(z);
  let rowsM = phaseM();
  if (m0 >= rowsM) { return; }
  let split = 0;
  let kStart = 0;
  let kEnd = phaseK();`
      : `let rowsM = u.m;
  if (m0 >= rowsM) { return; }
  let split = z;
  let kStart = split * u.kChunk;
  let kEnd = min(kStart + u.kChunk, u.k);`
  }
  ${rows.join("")}
  ${acc.join(" ")}
  for (var k0 = kStart; k0 < kEnd; k0 += ${BK}) {
    ${lines.join("")}
    workgroupBarrier();
    for (var kk = 0; kk < ${BK}; kk++) {
      ${reads.join(" ")}
      ${fma.join(" ")}
    }
    workgroupBarrier();
  }
  let base = split * u.m * u.n;
  ${store.join("")}
}`;
}

/** A row-major [rows, cols] matrix read as A[m, k] (`rows` = M). */
export const DENSE_A: GemmOperand = {
  key: "denseA",
  wgsl: `fn rowA(m: i32) -> vec4<i32> { return vec4<i32>(m * u.k, 0, 0, 0); }
fn loadA(r: vec4<i32>, k: i32) -> f32 { return a[r.x + k]; }`,
  fast: "k",
};
/** A row-major [K, M] matrix read transposed as A[m, k]. */
export const DENSE_A_T: GemmOperand = {
  key: "denseAT",
  wgsl: `fn rowA(m: i32) -> vec4<i32> { return vec4<i32>(m, 0, 0, 0); }
fn loadA(r: vec4<i32>, k: i32) -> f32 { return a[k * u.m + r.x]; }`,
  fast: "m",
};
/** A row-major [K, N] matrix read as B[k, n]. */
export const DENSE_B: GemmOperand = {
  key: "denseB",
  wgsl: `fn colB(n: i32) -> vec4<i32> { return vec4<i32>(n, 0, 0, 0); }
fn loadB(c: vec4<i32>, k: i32) -> f32 { return b[k * u.n + c.x]; }`,
  fast: "n",
};
/** A row-major [N, K] matrix read transposed as B[k, n]. */
export const DENSE_B_T: GemmOperand = {
  key: "denseBT",
  wgsl: `fn colB(n: i32) -> vec4<i32> { return vec4<i32>(n * u.k, 0, 0, 0); }
fn loadB(c: vec4<i32>, k: i32) -> f32 { return b[c.x + k]; }`,
  fast: "k",
};
