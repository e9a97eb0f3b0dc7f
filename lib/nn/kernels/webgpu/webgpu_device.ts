/**
 * The webgpu backend's device, asked for with the limits this project's
 * kernels use. tfjs-backend-webgpu 4.22 asks for the adapter's workgroup and
 * buffer-size limits but leaves `maxStorageBuffersPerShaderStage` at
 * WebGPU's default of 8; the fused Adam binds 4 buffers per variable, so
 * with the adapter's own limit one dispatch updates up to 16 variables
 * instead of one.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";

const OURS = Symbol.for("@arcface/pipeline/nn/webgpu-device-factory");

/** Storage buffers per stage to ask for at most (16 Adam variables · 4, plus a guard). */
const STORAGE_BUFFERS = 65;

/**
 * Replaces tfjs-webgpu's backend factory by one that asks for more storage
 * buffers per shader stage (idempotent; a backend already created is kept).
 */
export function registerWebGpuDevice(): void {
  const engine = tf.engine() as unknown as {
    registryFactory: Record<string, { factory: { [OURS]?: boolean } }>;
    registry: Record<string, unknown>;
  };
  const entry = engine.registryFactory["webgpu"];
  if (
    entry === undefined || entry.factory[OURS] || "webgpu" in engine.registry
  ) {
    return;
  }
  const factory = async () => {
    const adapter = await navigator.gpu.requestAdapter({
      powerPreference: "high-performance",
    });
    if (adapter === null) throw new Error("No WebGPU adapter");
    const limits = adapter.limits;
    const requiredFeatures: GPUFeatureName[] = [];
    if (adapter.features.has("timestamp-query")) {
      requiredFeatures.push("timestamp-query");
    }
    const device = await adapter.requestDevice({
      requiredFeatures,
      // tfjs's own requests, plus the storage buffers.
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension:
          limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup:
          limits.maxComputeInvocationsPerWorkgroup,
        maxStorageBuffersPerShaderStage: Math.min(
          STORAGE_BUFFERS,
          limits.maxStorageBuffersPerShaderStage,
        ),
      },
    });
    return new WebGPUBackend(device, adapter.info);
  };
  Object.defineProperty(factory, OURS, { value: true });
  tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", factory, 3);
}
