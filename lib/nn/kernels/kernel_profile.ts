/**
 * Where a tfjs computation spends its time, by kernel name. Every kernel
 * registered for the backend is wrapped with a timer for the duration of
 * the call; a kernel that calls another (this project's wasm kernels call
 * the backend's matmul and conv) is charged only its own time, so the rows
 * add up to the time spent inside kernels. The rest of the wall time is
 * tfjs's own bookkeeping (tape, engine, layers) and JavaScript.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** Time spent in one kernel. */
export interface KernelTime {
  /** Kernel name, e.g. "Conv2DBackpropFilter". */
  kernel: string;
  /** Number of calls. */
  calls: number;
  /** Exclusive time in milliseconds. */
  ms: number;
}

/** A profile of one call of {@linkcode profileKernels}'s function. */
export interface KernelProfile<T> {
  /** What the function returned. */
  result: T;
  /** Wall time of the function, milliseconds. */
  totalMs: number;
  /** Time inside kernels, milliseconds (the sum of `kernels`). */
  kernelMs: number;
  /** Per-kernel times, slowest first. */
  kernels: KernelTime[];
}

/**
 * Runs `fn` with every kernel of `backendName` timed, then restores the
 * kernels. Nothing else should run tfjs meanwhile (it would be counted).
 */
export async function profileKernels<T>(
  backendName: string,
  fn: () => T | Promise<T>,
): Promise<KernelProfile<T>> {
  const originals = tf.getKernelsForBackend(backendName);
  const times = new Map<string, KernelTime>();
  const childMs: number[] = [];
  for (const config of originals) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
        const start = performance.now();
        childMs.push(0);
        try {
          return inner(args);
        } finally {
          const ms = performance.now() - start;
          const children = childMs.pop()!;
          if (childMs.length > 0) childMs[childMs.length - 1] += ms;
          const entry = times.get(config.kernelName) ??
            { kernel: config.kernelName, calls: 0, ms: 0 };
          entry.calls++;
          entry.ms += ms - children;
          times.set(config.kernelName, entry);
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
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  }
  const totalMs = performance.now() - start;
  const kernels = [...times.values()].sort((a, b) => b.ms - a.ms);
  return {
    result,
    totalMs,
    kernelMs: kernels.reduce((s, k) => s + k.ms, 0),
    kernels,
  };
}
