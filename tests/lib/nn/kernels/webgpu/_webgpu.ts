/**
 * Shared by the webgpu kernel tests: the adapter (or why the tests skip),
 * cpu-versus-webgpu comparison, and a check that no WebGPU validation error
 * was raised.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgpu";
import "@tensorflow/tfjs-layers"; // registers all gradients
import {
  prepareWebGpuBackend,
  registerWebGpuTrainingKernels,
} from "../../../../../lib/nn/kernels/webgpu/webgpu_training_kernels.ts";
import { assertClose, values } from "../../_compare.ts";

export { values };

tf.enableProdMode();

/** Why the webgpu tests skip here, or undefined when an adapter exists. */
export const skipReason: string | undefined = await (async () => {
  if (!globalThis.navigator?.gpu) return "this runtime has no navigator.gpu";
  const adapter = await navigator.gpu.requestAdapter().catch(() => null);
  return adapter === null
    ? "no WebGPU adapter (install mesa-vulkan-drivers for lavapipe)"
    : undefined;
})();
if (skipReason !== undefined) {
  console.log(`webgpu kernel tests skipped: ${skipReason}`);
}

const errors: string[] = [];
if (skipReason === undefined) {
  registerWebGpuTrainingKernels();
  await tf.setBackend("webgpu");
  prepareWebGpuBackend(tf.backend());
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  device.addEventListener("uncapturederror", (event) => {
    errors.push((event as GPUUncapturedErrorEvent).error.message);
  });
}

/** Deno.test options that skip without an adapter. */
export function gpuTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: skipReason !== undefined,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      errors.length = 0;
      await fn();
      if (errors.length > 0) {
        throw new Error(`WebGPU errors: ${errors.join("; ")}`);
      }
    },
  });
}

/**
 * Runs `f` on cpu and on webgpu with inputs of `shapes` (seeded values) and
 * checks every output agrees within `tolerance` (max error over max |cpu|).
 */
export async function compareWithCpu(
  shapes: number[][],
  f: (inputs: tf.Tensor[]) => tf.Tensor[],
  tolerance: number,
  label: string,
  seed = 7,
): Promise<void> {
  const results: Float32Array[][] = [];
  for (const name of ["cpu", "webgpu"]) {
    await tf.setBackend(name);
    const inputs = shapes.map((s, i) =>
      tf.tensor(values(s.reduce((a, b) => a * b, 1), seed + i), s)
    );
    const outs = f(inputs);
    results.push(
      await Promise.all(
        outs.map(async (t) => (await t.data()) as Float32Array),
      ),
    );
    tf.dispose([...inputs, ...outs]);
  }
  await tf.setBackend("webgpu");
  assertClose(results[1], results[0], tolerance, label);
}
