/**
 * Flat copies of a replica's tensors and the weighted sums that combine
 * replicas (on the wasm heap with SIMD when the backend is wasm).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  addressOf,
  allocate,
  free,
  simdKernels,
  type WasmBackend,
} from "../kernels/wasm_heap.ts";

function wasmBackend(): WasmBackend | undefined {
  return tf.getBackend() === "wasm"
    ? tf.backend() as unknown as WasmBackend
    : undefined;
}

/** Copies `tensors` one after another into `target`. */
export function writeFlat(tensors: tf.Tensor[], target: Float32Array): void {
  const backend = wasmBackend();
  let offset = 0;
  for (const t of tensors) {
    // On wasm, copy straight from the heap (dataSync would copy twice).
    target.set(
      (backend ? backend.typedArrayFromHeap(t) : t.dataSync()) as Float32Array,
      offset,
    );
    offset += t.size;
  }
}

/**
 * New tensors of `shapes`, laid out one after another like
 * {@linkcode writeFlat}'s output: `sum_r weights[r] * regions[r]`, in replica
 * order (replicas with weight 0 are skipped).
 */
export function weightedSums(
  regions: Float32Array[],
  weights: number[],
  shapes: number[][],
): tf.Tensor[] {
  const backend = wasmBackend();
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  let offset = 0;
  if (backend === undefined) {
    return shapes.map((shape, j) => {
      const out = new Float32Array(sizes[j]);
      regions.forEach((region, r) => {
        if (weights[r] === 0) return;
        for (let i = 0; i < out.length; i++) {
          out[i] += weights[r] * region[offset + i];
        }
      });
      offset += sizes[j];
      return tf.tensor(out, shape);
    });
  }
  // On wasm: copy each region into a heap scratch buffer, accumulate with SIMD.
  const scratch = allocate(backend, [Math.max(1, ...sizes)]);
  const simd = simdKernels(backend);
  const sums = shapes.map((shape, j) => {
    const out = allocate(backend, shape, true);
    regions.forEach((region, r) => {
      if (weights[r] === 0) return;
      const heap = new Float32Array(backend.wasm.asm.memory.buffer);
      heap.set(
        region.subarray(offset, offset + sizes[j]),
        addressOf(backend, scratch) / 4,
      );
      simd.axpby_f32(
        addressOf(backend, out),
        1,
        addressOf(backend, scratch),
        weights[r],
        sizes[j],
      );
    });
    offset += sizes[j];
    return tf.engine().makeTensorFromTensorInfo(out);
  });
  free(backend, scratch);
  return sums;
}
