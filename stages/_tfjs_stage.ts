/**
 * What the stages that run TensorFlow.js (train, evaluate) share: the
 * `backend` param, their permissions (sharp and libturbojpeg decode stream-mode datasets,
 * and the optional native TensorFlow backends load an addon too), the
 * machine facts their cache keys hold (the backend `auto` resolves to, the
 * tfjs version, the WebGPU adapter), and what they ask a cluster for (one
 * GPU — `--gres=gpu:1` under the Slurm executor — for the GPU backends;
 * `auto` asks for none, since it resolves where the runner runs, so a
 * cluster run names its backend; the pipeline file's `resources:` overrides
 * it, and the local executor ignores GPUs).
 *
 * @module
 */
import { z } from "../stage.ts";
import type { StagePermissions, StageResources } from "../stage.ts";
import {
  BACKEND_NAMES,
  type BackendName,
  NATIVE_TFJS_PACKAGES,
} from "../lib/nn/backend.ts";
import { DECODE_PERMISSIONS } from "../lib/image/decode_permissions.ts";

/** The `backend` param: a tfjs backend, or `auto`. */
export const backendParam = z.enum(
  BACKEND_NAMES as [BackendName, ...BackendName[]],
).default("auto");

/** The permissions of a stage that runs TensorFlow.js and may decode images. */
export const TFJS_STAGE_PERMISSIONS: StagePermissions = {
  ...DECODE_PERMISSIONS,
  ffi: [...DECODE_PERMISSIONS.ffi, ...NATIVE_TFJS_PACKAGES],
};

/**
 * The facts of a stage on `backend`: the resolved backend, the tfjs version
 * and the adapter (webgpu), plus what `extra` derives from the resolved
 * backend.
 */
export async function tfjsFacts(
  backend: BackendName,
  extra: (resolved: string) => Record<string, string> = () => ({}),
): Promise<Record<string, string>> {
  const { probeBackend, TFJS_VERSION } = await import("../lib/nn/backend.ts");
  const probe = await probeBackend(backend);
  return {
    backend: probe.backend,
    tfjs: TFJS_VERSION,
    ...(probe.adapter ? { adapter: probe.adapter } : {}),
    ...extra(probe.backend),
  };
}

/** Backends that need a GPU device. */
const GPU_BACKENDS: ReadonlySet<string> = new Set(["tensorflow-gpu", "webgpu"]);

/** The resources of a stage running on `params.backend`: `{ gpus: 1 }` for a GPU backend. */
export function gpuResources(params: { backend: string }): StageResources {
  return GPU_BACKENDS.has(params.backend) ? { gpus: 1 } : {};
}
