/**
 * Whether training on a WebGPU adapter would beat the wasm backend on this
 * machine, decided from a measured probe (without loading tfjs):
 *
 * - a CPU adapter (llvmpipe, lavapipe, SwiftShader, any fallback adapter)
 *   never wins: it runs on the cores wasm would use;
 * - on a hardware adapter, two short measurements — the cost of one
 *   dispatch in a long dependent chain (what a training step is made of),
 *   and the adapter's multiply-add rate — give an estimate of an
 *   EfficientNetV2-B0 step (128 px, batch 32) on webgpu:
 *   `dispatches × cost + FLOPs / (rate × efficiency)`; wasm's is its
 *   measured rate on this project (16 images/s per replica, one replica per
 *   core up to 8). webgpu is taken when its estimate is at least
 *   {@linkcode MARGIN} times faster, so a machine near the line does not
 *   flip between runs (the choice is part of the cache key).
 *
 * @module
 */

/** An adapter's description, as `GPUAdapter.info` gives it. */
export interface AdapterInfoLike {
  /** Vendor name or id. */
  vendor?: string;
  /** Architecture. */
  architecture?: string;
  /** Device name or id. */
  device?: string;
  /** Driver's description (llvmpipe says "llvmpipe (LLVM …)"). */
  description?: string;
  /** Set by implementations for software adapters. */
  isFallbackAdapter?: boolean;
}

/** Whether the adapter runs on the CPU (a software Vulkan or a fallback adapter). */
export function isCpuAdapter(info: AdapterInfoLike): boolean {
  if (info.isFallbackAdapter) return true;
  const text = [info.vendor, info.architecture, info.device, info.description]
    .join(" ");
  return /llvmpipe|lavapipe|swiftshader|softpipe|basic render|\bcpu\b/i.test(
    text,
  );
}

/** What the probe measured. */
export interface WebGpuSpeed {
  /** Milliseconds per dispatch in a long chain of small dependent dispatches. */
  dispatchMs: number;
  /** Multiply-add rate of a register-bound shader, GFLOP/s (2 per multiply-add). */
  gflops: number;
}

/** The estimate behind a decision. */
export interface WebGpuVerdict {
  /** Whether webgpu should train here. */
  faster: boolean;
  /** Estimated webgpu training throughput, images/s. */
  webgpuImagesPerSecond: number;
  /** Estimated wasm training throughput, images/s. */
  wasmImagesPerSecond: number;
}

/** Dispatches of one EfficientNetV2-B0 + ArcFace step with this project's kernels (measured: 1,046 at 64 px). */
export const B0_DISPATCHES = 1050;
/** FLOPs of one B0 training image at 128 px (3 × 0.47 GFLOP forward). */
export const B0_FLOPS_PER_IMAGE = 1.4e9;
/** Share of the adapter's multiply-add rate the convolution kernels reach (assumed). */
export const KERNEL_EFFICIENCY = 0.1;
/** wasm images/s per replica for B0 at 128 px (measured: 32 on 2 cores). */
export const WASM_IMAGES_PER_REPLICA = 16;
/** wasm trains one replica per core, up to 8. */
export const WASM_MAX_REPLICAS = 8;
/** How much faster the estimate must be. */
export const MARGIN = 2;

/** The decision for measured `speed` on a machine with `cores` cores. */
export function webgpuVerdict(
  speed: WebGpuSpeed,
  cores: number,
): WebGpuVerdict {
  const batch = 32;
  const stepMs = B0_DISPATCHES * speed.dispatchMs +
    batch * B0_FLOPS_PER_IMAGE / (speed.gflops * 1e9 * KERNEL_EFFICIENCY) * 1e3;
  const webgpuImagesPerSecond = batch / (stepMs / 1e3);
  const wasmImagesPerSecond = WASM_IMAGES_PER_REPLICA *
    Math.max(1, Math.min(WASM_MAX_REPLICAS, cores));
  return {
    faster: webgpuImagesPerSecond >= MARGIN * wasmImagesPerSecond,
    webgpuImagesPerSecond,
    wasmImagesPerSecond,
  };
}

/** Options of {@linkcode measureWebGpu}. */
export interface MeasureOptions {
  /** Dispatches in the timed chain. @default 2000 */
  dispatches?: number;
  /** Dispatches per queue submission, as the backend records them. @default 64 */
  submitBatch?: number;
}

/**
 * Measures `adapter` on a device of its own (destroyed afterwards): about
 * 0.1–0.5 s on a GPU.
 */
export async function measureWebGpu(
  adapter: GPUAdapter,
  options: MeasureOptions = {},
): Promise<WebGpuSpeed> {
  const device = await adapter.requestDevice();
  try {
    return {
      dispatchMs: await dispatchCost(
        device,
        options.dispatches ?? 2000,
        options.submitBatch ?? 64,
      ),
      gflops: await fmaRate(device),
    };
  } finally {
    device.destroy();
  }
}

/** Milliseconds per dispatch of a chain where each dispatch reads what the last wrote. */
export async function dispatchCost(
  device: GPUDevice,
  dispatches: number,
  submitBatch: number,
): Promise<number> {
  const module = device.createShaderModule({
    code: `
@group(0) @binding(0) var<storage, read_write> a: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  a[gid.x] = a[gid.x] * 0.5 + 1.0;
}`,
  });
  const pipeline = device.createComputePipeline({
    layout: "auto",
    compute: { module, entryPoint: "main" },
  });
  const buffer = device.createBuffer({
    size: 64 * 64 * 4,
    usage: GPUBufferUsage.STORAGE,
  });
  const group = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer } }],
  });
  const run = async (count: number) => {
    const start = performance.now();
    for (let done = 0; done < count; done += submitBatch) {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      for (let i = 0; i < Math.min(submitBatch, count - done); i++) {
        pass.dispatchWorkgroups(64);
      }
      pass.end();
      device.queue.submit([encoder.finish()]);
    }
    await device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  };
  await run(submitBatch); // pipeline creation and first submit
  // The difference of two chains cancels the fixed cost of waiting (Deno polls every 10 ms).
  const short = await run(dispatches / 4), long = await run(dispatches);
  buffer.destroy();
  return Math.max(1e-4, (long - short) / (dispatches * 0.75));
}

/** GFLOP/s of a shader doing only multiply-adds in registers. */
export async function fmaRate(device: GPUDevice): Promise<number> {
  const iterations = 4096, workgroups = 1024, threads = 256;
  const module = device.createShaderModule({
    code: `
@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${threads})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  var a = f32(gid.x) * 1e-9; var b = a + 0.5; var c = a + 0.25; var d = a + 0.125;
  for (var i = 0u; i < ${iterations}u; i++) {
    a = fma(a, 0.9999, 0.0001); b = fma(b, 0.9999, 0.0001);
    c = fma(c, 0.9999, 0.0001); d = fma(d, 0.9999, 0.0001);
  }
  out[gid.x] = a + b + c + d;
}`,
  });
  const pipeline = device.createComputePipeline({
    layout: "auto",
    compute: { module, entryPoint: "main" },
  });
  const buffer = device.createBuffer({
    size: workgroups * threads * 4,
    usage: GPUBufferUsage.STORAGE,
  });
  const group = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer } }],
  });
  const run = async (repeats: number) => {
    const start = performance.now();
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    for (let i = 0; i < repeats; i++) pass.dispatchWorkgroups(workgroups);
    pass.end();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  };
  await run(1);
  // Grow the work until it takes long enough to time past the 10 ms
  // polling; the difference of n and 2n repeats cancels the fixed costs.
  let repeats = 1, ms = await run(repeats);
  while (ms < 50 && repeats < 4096) {
    repeats *= 4;
    ms = await run(repeats);
  }
  const twice = await run(2 * repeats);
  buffer.destroy();
  const flops = 2 * 4 * iterations * workgroups * threads * repeats;
  return flops / Math.max(1e-3, twice - ms) / 1e6;
}
