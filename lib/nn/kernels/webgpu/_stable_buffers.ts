/**
 * Makes tfjs-webgpu's buffer pool hand out buffers in a repeatable way, so a
 * training step's tensors get the same buffers as the step before and its
 * bind groups are found in the dispatcher's cache. tfjs 4.22 pops the most
 * recently freed buffer of a size; which one that is depends on the order
 * tensors were freed in, which drifts from step to step. Taking the oldest
 * free buffer (lowest id) instead depends only on which buffers are free,
 * and that repeats once a step's allocations do.
 *
 * @module
 */
import type { WebGpuBackend } from "./_webgpu_backend.ts";
import { dispatcherOf } from "./_dispatcher.ts";

const STABLE = Symbol.for("@arcface/pipeline/nn/webgpu-stable-buffers");

interface BufferManager {
  freeBuffers: Map<string, GPUBuffer[]>;
  acquireBuffer(
    size: number,
    usage: number,
    mappedAtCreation?: boolean,
    reuse?: boolean,
  ): GPUBuffer;
  [STABLE]?: boolean;
}

/** Makes `backend`'s buffer pool reuse the lowest-id free buffer of a size (idempotent). */
export function stabiliseBufferReuse(backend: WebGpuBackend): void {
  const manager = (backend as unknown as { bufferManager: BufferManager })
    .bufferManager;
  if (manager[STABLE]) return;
  manager[STABLE] = true;
  const dispatcher = dispatcherOf(backend);
  const acquire = manager.acquireBuffer.bind(manager);
  manager.acquireBuffer = (
    size,
    usage,
    mappedAtCreation = false,
    reuse = true,
  ) => {
    const free = reuse
      ? manager.freeBuffers.get(`${size}_${usage}`)
      : undefined;
    if (free !== undefined && free.length > 1) {
      // tfjs pops the last one: put the lowest-id buffer there.
      let best = free.length - 1;
      for (let i = 0; i < free.length - 1; i++) {
        if (dispatcher.idOf(free[i]) < dispatcher.idOf(free[best])) best = i;
      }
      [free[best], free[free.length - 1]] = [free[free.length - 1], free[best]];
    }
    return acquire(size, usage, mappedAtCreation, reuse);
  };
}
