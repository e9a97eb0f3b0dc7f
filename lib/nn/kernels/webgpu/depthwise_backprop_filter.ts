/**
 * `DepthwiseConv2dNativeBackpropFilter` (channel multiplier 1) on WebGPU
 * with workgroup-level reductions.
 *
 *     dw[kh, kw, c] = Σ_{b, oh, ow} x[b, oh·s + kh − pad, ow·s + kw − pad, c] · dy[b, oh, ow, c]
 *
 * tfjs-webgpu 4.22 gives each filter element one invocation that loops over
 * all B·OH·OW positions. Here a workgroup takes 64 channels and one chunk of
 * positions; its 4 lanes per channel stride through the chunk keeping all
 * KH·KW tap sums in registers, the lanes are summed in workgroup memory, and
 * a second pass adds the chunks in order (deterministic, no atomics).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import {
  disposeScratch,
  makeOutput,
  runShader,
  storageBindings,
  type UniformField,
  uniformStruct,
} from "./_dispatcher.ts";
import { sumSplits } from "./_gemm.ts";
import {
  type ConvAttrs,
  convInfo,
  convUniforms,
  handled,
} from "./_conv_info.ts";

const CHANNELS = 64, LANES = 4;
/** Workgroups to aim for before chunks get shorter than MIN_CHUNK positions. */
const TARGET_WORKGROUPS = 1024, MIN_CHUNK = 64;

/** The filter gradient, or undefined when not handled here. */
export function depthwiseBackpropFilter(
  backend: WebGpuBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: ConvAttrs & { filterShape: number[] },
): tf.TensorInfo | undefined {
  const info = convInfo(x.shape, attrs.filterShape, attrs, true);
  if (!handled(info) || attrs.filterShape[3] !== 1) return undefined;
  const taps = info.filterHeight * info.filterWidth, c = info.inChannels;
  const positions = info.batchSize * info.outHeight * info.outWidth;
  const out = makeOutput(backend, attrs.filterShape);
  if (taps * c === 0) return out;
  const channelGroups = Math.ceil(c / CHANNELS);
  const chunks = Math.max(
    1,
    Math.min(
      Math.ceil(TARGET_WORKGROUPS / channelGroups),
      Math.floor(positions / MIN_CHUNK),
    ),
  );
  const chunk = Math.ceil(positions / chunks);
  const partial = chunks > 1 ? makeOutput(backend, [chunks, taps * c]) : out;
  const uniforms: Record<string, UniformField> = {
    positions: ["i32", positions],
    chunk: ["i32", chunk],
    ...convUniforms(info),
  };
  const acc: string[] = [], update: string[] = [], reduce: string[] = [];
  for (let kh = 0; kh < info.filterHeight; kh++) {
    for (let kw = 0; kw < info.filterWidth; kw++) {
      const t = kh * info.filterWidth + kw;
      acc.push(`var a${t} = 0.0;`);
      update.push(`
      { let ih = ih0 + ${kh}; let iw = iw0 + ${kw};
        if (ih >= 0 && ih < u.ih && iw >= 0 && iw < u.iw) {
          a${t} = fma(x[((bb * u.ih + ih) * u.iw + iw) * u.ci + c], g, a${t});
        } }`);
      reduce.push(`
  lanes[lane * ${CHANNELS} + lx] = a${t};
  workgroupBarrier();
  if (lane == 0 && c < u.ci) {
    part[base + ${t} * u.ci + c] = ((lanes[lx] + lanes[${CHANNELS} + lx]) +
      lanes[${2 * CHANNELS} + lx]) + lanes[${3 * CHANNELS} + lx];
  }
  workgroupBarrier();`);
    }
  }
  runShader(backend, {
    key: `dw_dw_${info.filterHeight}x${info.filterWidth}`,
    label: "DepthwiseConv2dNativeBackpropFilter",
    code: () => `
${uniformStruct(uniforms)}
${storageBindings([["part", "rw"], ["x", "r"], ["dy", "r"]])}
var<workgroup> lanes: array<f32, ${CHANNELS * LANES}>;
@compute @workgroup_size(${CHANNELS}, ${LANES}, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(workgroup_id) wid: vec3<u32>) {
  let lx = i32(lid.x); let lane = i32(lid.y);
  let c = i32(wid.x) * ${CHANNELS} + lx;
  let start = i32(wid.y) * u.chunk;
  let end = min(start + u.chunk, u.positions);
  ${acc.join(" ")}
  if (c < u.ci) {
    for (var p = start + lane; p < end; p += ${LANES}) {
      let ow = p % u.ow; let t = p / u.ow; let oh = t % u.oh; let bb = t / u.oh;
      let g = dy[p * u.ci + c];
      let ih0 = oh * u.sh - u.pt; let iw0 = ow * u.sw - u.pl;
      ${update.join("")}
    }
  }
  let base = i32(wid.y) * ${taps} * u.ci;
  ${reduce.join("")}
}`,
    buffers: [partial, x, dy],
    uniforms,
    workgroups: [channelGroups, chunks, 1],
  });
  if (partial !== out) {
    sumSplits(
      backend,
      partial,
      out,
      chunks,
      taps * c,
      "DepthwiseConv2dNativeBackpropFilter",
    );
    disposeScratch(backend, partial);
  }
  return out;
}
