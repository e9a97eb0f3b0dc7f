/**
 * What a TensorFlow.js stage asks a cluster for, from its `backend` param:
 * one GPU (`--gres=gpu:1` under the Slurm executor) for the GPU backends,
 * nothing more otherwise. `auto` asks for none: it resolves where the
 * runner runs, so a cluster run names its backend. The pipeline file's
 * `resources:` overrides it; the local executor ignores GPUs.
 *
 * @module
 */
import type { StageResources } from "../stage.ts";

/** Backends that need a GPU device. */
const GPU_BACKENDS: ReadonlySet<string> = new Set(["tensorflow-gpu", "webgpu"]);

/** The resources of a stage running on `params.backend`: `{ gpus: 1 }` for a GPU backend. */
export function gpuResources(params: { backend: string }): StageResources {
  return GPU_BACKENDS.has(params.backend) ? { gpus: 1 } : {};
}
