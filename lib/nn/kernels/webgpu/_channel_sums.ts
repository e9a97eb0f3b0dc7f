/**
 * Per-channel sums over the rows of channels-last tensors, split across
 * workgroups: the first pass of the fused BatchNorm kernels. A workgroup
 * takes a block of channels and one chunk of rows; its lanes stride through
 * the chunk, are summed in workgroup memory, and each chunk writes its
 * partial sums to `[chunks, terms, C]` for a finalising pass to add in order
 * (deterministic, no atomics).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import {
  makeOutput,
  runShader,
  storageBindings,
  type UniformField,
  uniformStruct,
} from "./_dispatcher.ts";

const THREADS = 256;
/** Workgroups to aim for before chunks get shorter than MIN_CHUNK rows. */
const TARGET_WORKGROUPS = 1024, MIN_CHUNK = 64;

/** How a channels-last pass is cut: channel blocks × lanes per workgroup, row chunks. */
export interface ChannelGeometry {
  /** Channels per workgroup (a power of two up to 64). */
  block: number;
  /** Invocations per channel (block · lanes = 256). */
  lanes: number;
  /** Channel blocks. */
  groups: number;
  /** Row chunks (workgroups along y). */
  chunks: number;
  /** Rows per chunk. */
  chunk: number;
}

/** The cut of `rows` × `channels` into at most `maxChunks` row chunks. */
export function channelGeometry(
  rows: number,
  channels: number,
  maxChunks = Infinity,
): ChannelGeometry {
  let block = 1;
  while (block < Math.min(64, channels)) block *= 2;
  const groups = Math.ceil(channels / block);
  const chunks = Math.max(
    1,
    Math.min(
      maxChunks,
      Math.ceil(TARGET_WORKGROUPS / groups),
      Math.floor(rows / MIN_CHUNK),
    ),
  );
  return {
    block,
    lanes: THREADS / block,
    groups,
    chunks,
    chunk: Math.ceil(rows / chunks),
  };
}

/** What to sum. */
export interface ChannelSumsSpec {
  /** Name in profiles. */
  label: string;
  /** Distinguishes the terms in the shader cache key. */
  key: string;
  /** Rows (the product of all dimensions but the last). */
  rows: number;
  /** Channels (the last dimension). */
  channels: number;
  /** Tensors bound after the output, by name: [rows, C] ones and [C] ones alike. */
  inputs: readonly (readonly [string, tf.TensorInfo])[];
  /** WGSL expressions summed per channel, over `r` (row) and `c` (channel), e.g. `x[r * u.c + c]`. */
  terms: readonly string[];
  /** Most row chunks (the finishing pass reads chunks × terms × C partials). @default no limit */
  maxChunks?: number;
}

/** Partial sums `[chunks, terms, C]` and the chunk count. */
export function channelSums(
  backend: WebGpuBackend,
  spec: ChannelSumsSpec,
): { partial: tf.TensorInfo; chunks: number } {
  // Channel blocks of up to 64 (a power of two), the rest of the 256 invocations as lanes.
  const { block, lanes, groups, chunks, chunk } = channelGeometry(
    spec.rows,
    spec.channels,
    spec.maxChunks,
  );
  const k = spec.terms.length;
  const partial = makeOutput(backend, [chunks, k, spec.channels]);
  const uniforms: Record<string, UniformField> = {
    rows: ["i32", spec.rows],
    c: ["i32", spec.channels],
    chunk: ["i32", chunk],
  };
  const acc = spec.terms.map((_, t) => `var s${t} = 0.0;`).join(" ");
  const add = spec.terms.map((term, t) => `s${t} += ${term};`).join(" ");
  const reduce = spec.terms.map((_, t) => `
  lanes[lane * ${block} + lx] = s${t};
  workgroupBarrier();
  if (lane == 0 && c < u.c) {
    var total = 0.0;
    for (var l = 0; l < ${lanes}; l++) { total += lanes[l * ${block} + lx]; }
    part[(i32(wid.y) * ${k} + ${t}) * u.c + c] = total;
  }
  workgroupBarrier();`).join("");
  runShader(backend, {
    key: `chsum_${spec.key}_${block}`,
    label: spec.label,
    code: () => `
${uniformStruct(uniforms)}
${
      storageBindings([
        ["part", "rw"],
        ...spec.inputs.map(([name]) => [name, "r"] as const),
      ])
    }
var<workgroup> lanes: array<f32, ${THREADS}>;
@compute @workgroup_size(${block}, ${lanes}, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>) {
  let lx = i32(lid.x); let lane = i32(lid.y);
  let c = i32(wid.x) * ${block} + lx;
  let start = i32(wid.y) * u.chunk;
  let end = min(start + u.chunk, u.rows);
  ${acc}
  if (c < u.c) {
    for (var r = start + lane; r < end; r += ${lanes}) { ${add} }
  }
  ${reduce}
}`,
    buffers: [partial, ...spec.inputs.map(([, t]) => t)],
    uniforms,
    workgroups: [groups, chunks, 1],
  });
  return { partial, chunks };
}
