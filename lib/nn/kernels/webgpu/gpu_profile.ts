/**
 * Where a computation on the webgpu backend spends GPU time, by tfjs kernel
 * name: every dispatch (this project's shaders and tfjs-webgpu's programs
 * alike) runs in its own compute pass with `timestamp-query` writes at its
 * start and end, and is charged to the innermost registered kernel that was
 * running when it was recorded. Each row also counts the kernel's calls and
 * dispatches and its exclusive CPU time (recording, shader-key and uniform
 * bookkeeping, tfjs's engine), which on a fast GPU is often the larger part.
 *
 * Timing each dispatch alone serialises them, so the sum of GPU times is
 * an upper bound on a step's GPU time; the dispatch counts are exact.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { asWebGpu } from "./_webgpu_backend.ts";
import { dispatcherOf } from "./_dispatcher.ts";
import { routeTfjsDispatches } from "./_tfjs_dispatch.ts";

/** One kernel's share of a profile. */
export interface GpuKernelTime {
  /** tfjs kernel name ("Conv2DBackpropFilter", or this project's custom ops). */
  kernel: string;
  /** Calls of the kernel. */
  calls: number;
  /** Compute dispatches it recorded. */
  dispatches: number;
  /** GPU time of its dispatches, milliseconds (NaN without timestamp queries). */
  gpuMs: number;
  /** Exclusive CPU time of its calls, milliseconds. */
  cpuMs: number;
}

/** A profile of one call of {@linkcode profileGpuKernels}'s function. */
export interface GpuProfile<T> {
  /** What the function returned. */
  result: T;
  /** Wall time of the function (profiling overhead included), milliseconds. */
  wallMs: number;
  /** Sum of all dispatches' GPU times, milliseconds (NaN without timestamp queries). */
  gpuMs: number;
  /** Dispatches recorded. */
  dispatches: number;
  /** Per-kernel rows, largest GPU time first (dispatch count without timestamps). */
  kernels: GpuKernelTime[];
}

/** Queries per query set (the WebGPU limit is 4096). */
const QUERIES = 4096;

/**
 * Runs `fn` on the active webgpu backend with every dispatch timed, then
 * reads the timestamps back. Nothing else should use tfjs meanwhile.
 */
export async function profileGpuKernels<T>(
  fn: () => T | Promise<T>,
): Promise<GpuProfile<T>> {
  const backend = asWebGpu(tf.backend());
  routeTfjsDispatches(backend);
  const dispatcher = dispatcherOf(backend);
  const device = backend.device;
  const timed = device.features.has("timestamp-query");
  const rows = new Map<string, GpuKernelTime>();
  const row = (kernel: string) => {
    let r = rows.get(kernel);
    if (r === undefined) {
      r = { kernel, calls: 0, dispatches: 0, gpuMs: timed ? 0 : NaN, cpuMs: 0 };
      rows.set(kernel, r);
    }
    return r;
  };
  const stack: { kernel: string; childMs: number }[] = [];
  const sets: GPUQuerySet[] = [];
  const owners: GpuKernelTime[] = [];
  dispatcher.flush();
  dispatcher.observer = {
    timestampWrites(label) {
      const owner = row(stack.at(-1)?.kernel ?? `(${label})`);
      owner.dispatches++;
      if (!timed) return undefined;
      const index = owners.length % (QUERIES / 2);
      if (index === 0) {
        sets.push(device.createQuerySet({ type: "timestamp", count: QUERIES }));
      }
      owners.push(owner);
      return {
        querySet: sets.at(-1)!,
        beginningOfPassWriteIndex: 2 * index,
        endOfPassWriteIndex: 2 * index + 1,
      };
    },
  };
  const originals = tf.getKernelsForBackend("webgpu");
  for (const config of originals) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, "webgpu");
    tf.registerKernel({
      ...config,
      kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
        const start = performance.now();
        stack.push({ kernel: config.kernelName, childMs: 0 });
        try {
          return inner(args);
        } finally {
          const ms = performance.now() - start;
          const frame = stack.pop()!;
          if (stack.length > 0) stack[stack.length - 1].childMs += ms;
          const r = row(config.kernelName);
          r.calls++;
          r.cpuMs += ms - frame.childMs;
        }
      }) as tf.KernelFunc,
    });
  }
  const start = performance.now();
  let result: T;
  try {
    result = await fn();
  } finally {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, "webgpu");
      tf.registerKernel(config);
    }
    dispatcher.observer = null;
  }
  const wallMs = performance.now() - start;
  if (timed) await readTimes(backend.device, sets, owners);
  for (const set of sets) set.destroy();
  const kernels = [...rows.values()].filter((r) =>
    r.dispatches > 0 || r.cpuMs > 0.05
  )
    .sort((a, b) =>
      timed
        ? b.gpuMs - a.gpuMs || b.cpuMs - a.cpuMs
        : b.dispatches - a.dispatches
    );
  return {
    result,
    wallMs,
    gpuMs: timed ? kernels.reduce((s, k) => s + k.gpuMs, 0) : NaN,
    dispatches: owners.length || kernels.reduce((s, k) => s + k.dispatches, 0),
    kernels,
  };
}

/** Resolves every query set, reads the timestamps and charges each pass to its owner. */
async function readTimes(
  device: GPUDevice,
  sets: GPUQuerySet[],
  owners: GpuKernelTime[],
): Promise<void> {
  if (sets.length === 0) return;
  const backend = asWebGpu(tf.backend());
  dispatcherOf(backend).flush();
  const bytes = QUERIES * 8;
  const resolve = device.createBuffer({
    size: bytes * sets.length,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const staging = device.createBuffer({
    size: bytes * sets.length,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  sets.forEach((set, i) => {
    const used = Math.min(QUERIES, 2 * (owners.length - i * (QUERIES / 2)));
    encoder.resolveQuerySet(set, 0, used, resolve, i * bytes);
  });
  encoder.copyBufferToBuffer(resolve, 0, staging, 0, bytes * sets.length);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const stamps = new BigUint64Array(staging.getMappedRange());
  owners.forEach((owner, i) => {
    const set = Math.floor(i / (QUERIES / 2)), index = i % (QUERIES / 2);
    const base = set * QUERIES + 2 * index;
    const ns = stamps[base + 1] - stamps[base];
    // A pass the implementation did not time reads as 0 or wraps around.
    if (ns > 0n && ns < 10n ** 12n) owner.gpuMs += Number(ns) / 1e6;
  });
  staging.unmap();
  resolve.destroy();
  staging.destroy();
}
