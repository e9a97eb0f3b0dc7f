/**
 * One place where every compute dispatch of the webgpu backend is recorded:
 * this project's shaders (through {@linkcode runShader}) and tfjs-webgpu's
 * own programs (its `recordAndSubmit` is routed here by
 * `_tfjs_dispatch.ts`). It keeps, per backend:
 *
 * - compiled pipelines of this project's shaders, by key;
 * - uniform buffers by content: a shape's uniforms are written once and the
 *   buffer is reused by every later dispatch with the same values, instead
 *   of a new buffer and a `writeBuffer` per dispatch;
 * - bind groups by (pipeline, buffers): tfjs's buffer pool hands the same
 *   buffers to the same tensors step after step, so a training step's bind
 *   groups repeat and are created once;
 * - an optional profiler that puts each dispatch in its own timed compute
 *   pass (`timestamp-query`).
 *
 * The state hangs off the backend object (a symbol-keyed property), so it
 * lives and dies with the backend; nothing is module-global.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { bufferOf, type WebGpuBackend } from "./_webgpu_backend.ts";

const STATE = Symbol.for("@arcface/pipeline/nn/webgpu-dispatcher");

/** Most cached uniform buffers or bind groups before the caches start over. */
const CACHE_LIMIT = 16384;

/** Receives every dispatch while profiling (see gpu_profile.ts). */
export interface DispatchObserver {
  /** Timestamp writes for this dispatch's own pass, or undefined to record it untimed. */
  timestampWrites(label: string): GPUComputePassTimestampWrites | undefined;
}

/** Counters of the caches, for benchmarks and tests. */
export interface DispatchStats {
  /** Dispatches recorded. */
  dispatches: number;
  /** Queue submissions made here (the backend's own submits are not counted). */
  submits: number;
  /** Bind groups found in the cache. */
  bindGroupHits: number;
  /** Bind groups created. */
  bindGroupMisses: number;
  /** Uniform buffers found in the cache. */
  uniformHits: number;
  /** Uniform buffers created. */
  uniformMisses: number;
}

/** The per-backend dispatch state. */
export class Dispatcher {
  /** The backend dispatched on. */
  readonly backend: WebGpuBackend;
  /** Whether uniform buffers and bind groups are reused (off: tfjs's own behaviour, for comparisons). */
  caching = true;
  /** Sees every dispatch while set. */
  observer: DispatchObserver | null = null;
  /** Cache counters. */
  readonly stats: DispatchStats = {
    dispatches: 0,
    submits: 0,
    bindGroupHits: 0,
    bindGroupMisses: 0,
    uniformHits: 0,
    uniformMisses: 0,
  };
  #pipelines = new Map<string, GPUComputePipeline>();
  #named = new Map<string, GPUBuffer>();
  #uniforms = new Map<string, GPUBuffer>();
  #bindGroups = new Map<string, GPUBindGroup>();
  #ids = new WeakMap<object, number>();
  #nextId = 1;

  constructor(backend: WebGpuBackend) {
    this.backend = backend;
  }

  /** The compute pipeline of a WGSL source, compiled on first use (entry point `main`). */
  pipeline(key: string, code: () => string, label: string): GPUComputePipeline {
    let pipeline = this.#pipelines.get(key);
    if (pipeline === undefined) {
      const device = this.backend.device;
      const module = device.createShaderModule({ code: code(), label });
      pipeline = device.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
        label,
      });
      this.#pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  /** A uniform buffer holding `bytes`: cached by content when caching is on. */
  uniform(bytes: ArrayBuffer): GPUBuffer {
    if (!this.caching) {
      // tfjs's way: a pooled buffer per dispatch, written through the queue
      // and returned to the pool once the commands that use it are submitted.
      const backend = this.backend as unknown as {
        bufferManager: {
          acquireBuffer(size: number, usage: number): GPUBuffer;
        };
        uniformPendingDisposal: GPUBuffer[];
      };
      const buffer = backend.bufferManager.acquireBuffer(
        bytes.byteLength,
        GPUBufferUsage.COPY_DST | GPUBufferUsage.UNIFORM,
      );
      this.backend.queue.writeBuffer(buffer, 0, bytes);
      backend.uniformPendingDisposal.push(buffer);
      return buffer;
    }
    const words = new Uint32Array(bytes);
    let key = "";
    for (let i = 0; i < words.length; i++) key += words[i].toString(36) + ",";
    let buffer = this.#uniforms.get(key);
    if (buffer !== undefined) {
      this.stats.uniformHits++;
      return buffer;
    }
    this.stats.uniformMisses++;
    if (this.#uniforms.size >= CACHE_LIMIT) this.#startOver();
    buffer = this.#createUniform(bytes);
    this.#uniforms.set(key, buffer);
    return buffer;
  }

  /**
   * A persistent uniform buffer `name` rewritten with `bytes` (per-step
   * values such as Adam's learning rate): what is recorded is submitted
   * first, so earlier dispatches keep the values they were recorded with.
   * Being one buffer, it leaves the bind groups that use it cacheable.
   */
  rewrittenUniform(name: string, bytes: ArrayBuffer): GPUBuffer {
    let buffer = this.#named.get(name);
    if (buffer === undefined || buffer.size !== bytes.byteLength) {
      buffer?.destroy();
      buffer = this.backend.device.createBuffer({
        size: bytes.byteLength,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      this.#named.set(name, buffer);
    }
    this.flush();
    this.backend.queue.writeBuffer(buffer, 0, bytes);
    return buffer;
  }

  /** The bind group of `pipeline` binding `buffers` to bindings 0, 1, … in order. */
  bindGroup(pipeline: GPUComputePipeline, buffers: GPUBuffer[]): GPUBindGroup {
    const create = () =>
      this.backend.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: buffers.map((buffer, binding) => ({
          binding,
          resource: { buffer },
        })),
      });
    if (!this.caching) return create();
    let key = String(this.#id(pipeline));
    for (const buffer of buffers) key += "," + this.#id(buffer);
    let group = this.#bindGroups.get(key);
    if (group !== undefined) {
      this.stats.bindGroupHits++;
      return group;
    }
    this.stats.bindGroupMisses++;
    if (this.#bindGroups.size >= CACHE_LIMIT) this.#startOver();
    group = create();
    this.#bindGroups.set(key, group);
    return group;
  }

  /**
   * Records one dispatch in the backend's open compute pass (opening one if
   * needed); `owned` data stays alive until the commands are submitted.
   * Submits when the backend's batch (`WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE`)
   * is full.
   */
  encode(
    pipeline: GPUComputePipeline,
    bindGroup: GPUBindGroup,
    workgroups: readonly [number, number, number],
    label: string,
    owned: readonly tf.DataId[],
  ): void {
    const backend = this.backend;
    for (const dataId of owned) backend.commandQueueOwnedIds.add(dataId);
    backend.ensureCommandEncoderReady();
    const timestampWrites = this.observer?.timestampWrites(label);
    if (timestampWrites !== undefined) {
      backend.endComputePassEncoder();
      backend.computePassEncoder = backend.commandEncoder!.beginComputePass({
        timestampWrites,
      });
    } else if (backend.computePassEncoder === null) {
      backend.computePassEncoder = backend.commandEncoder!.beginComputePass();
    }
    const pass = backend.computePassEncoder!;
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    if (timestampWrites !== undefined) backend.endComputePassEncoder();
    this.stats.dispatches++;
    backend.dispatchCountInPass++;
    if (
      backend.dispatchCountInPass >=
        tf.env().getNumber("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE")
    ) {
      this.flush();
    }
  }

  /** Submits what is recorded (so later queue writes come after it). */
  flush(): void {
    const backend = this.backend;
    if (backend.commandEncoder === null) return;
    backend.endComputePassEncoder();
    backend.submitQueue();
    this.stats.submits++;
  }

  /** Drops the caches (after submitting whatever may use them). */
  #startOver(): void {
    this.flush();
    for (const buffer of this.#uniforms.values()) buffer.destroy();
    this.#uniforms.clear();
    this.#bindGroups.clear();
  }

  #createUniform(bytes: ArrayBuffer): GPUBuffer {
    const buffer = this.backend.device.createBuffer({
      size: bytes.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      mappedAtCreation: true,
    });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(bytes));
    buffer.unmap();
    return buffer;
  }

  /** A small stable number for `object` (buffers, pipelines), for cache keys. */
  idOf(object: object): number {
    return this.#id(object);
  }

  #id(object: object): number {
    let id = this.#ids.get(object);
    if (id === undefined) {
      id = this.#nextId++;
      this.#ids.set(object, id);
    }
    return id;
  }
}

/** The dispatcher of `backend`, created on first use. */
export function dispatcherOf(backend: WebGpuBackend): Dispatcher {
  const holder = backend as unknown as { [STATE]?: Dispatcher };
  return holder[STATE] ??= new Dispatcher(backend);
}

/** A uniform field: a WGSL scalar type and its value. */
export type UniformField = readonly ["i32" | "u32" | "f32", number];

/** The WGSL declaration of a uniform struct `U` with `fields` in order (scalars only). */
export function uniformStruct(fields: Record<string, UniformField>): string {
  const body = Object.entries(fields).map(([name, [type]]) =>
    `${name}: ${type},`
  );
  return `struct U { ${body.join(" ")} }`;
}

/** The bytes of {@linkcode uniformStruct}'s struct (16-byte padded). */
export function packUniforms(
  fields: Record<string, UniformField>,
): ArrayBuffer {
  const entries = Object.values(fields);
  const bytes = new ArrayBuffer(
    Math.max(16, Math.ceil(entries.length / 4) * 16),
  );
  const view = new DataView(bytes);
  entries.forEach(([type, value], i) => {
    if (type === "f32") view.setFloat32(i * 4, value, true);
    else if (type === "u32") view.setUint32(i * 4, value, true);
    else view.setInt32(i * 4, value, true);
  });
  return bytes;
}

/** One of this project's shaders and how to run it. */
export interface ShaderRun {
  /** Cache key: equal keys must mean equal WGSL. */
  key: string;
  /** Name in profiles. */
  label: string;
  /** The WGSL source; its bindings are `buffers` in order, then the uniform struct `U`. */
  code: () => string;
  /** Tensors bound in order (outputs and inputs alike; the shader declares their access). */
  buffers: readonly tf.TensorInfo[];
  /** Uniform values (the struct's layout comes from the field order). */
  uniforms: Record<string, UniformField>;
  /** Workgroups to dispatch. */
  workgroups: readonly [number, number, number];
}

/** Records one dispatch of one of this project's shaders. */
export function runShader(backend: WebGpuBackend, run: ShaderRun): void {
  const dispatcher = dispatcherOf(backend);
  const pipeline = dispatcher.pipeline(run.key, run.code, run.label);
  const buffers = run.buffers.map((t) => bufferOf(backend, t));
  buffers.push(dispatcher.uniform(packUniforms(run.uniforms)));
  dispatcher.encode(
    pipeline,
    dispatcher.bindGroup(pipeline, buffers),
    run.workgroups,
    run.label,
    run.buffers.map((t) => t.dataId),
  );
}

/** WGSL binding declarations for `names` in order (`rw` marks read_write storage). */
export function storageBindings(
  names: readonly (readonly [string, "r" | "rw", string?])[],
): string {
  return names.map(([name, access, type], i) =>
    `@group(0) @binding(${i}) var<storage, ${
      access === "rw" ? "read_write" : "read"
    }> ${name}: array<${type ?? "f32"}>;`
  ).join("\n") +
    `\n@group(0) @binding(${names.length}) var<uniform> u: U;`;
}

/** Workgroups for `count` items of `perGroup` each, as [x, y, 1] within the 65535 per-dimension limit. */
export function grid(
  count: number,
  perGroup: number,
): [number, number, number] {
  const groups = Math.max(1, Math.ceil(count / perGroup));
  if (groups <= 65535) return [groups, 1, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y, 1];
}

/** A float32 tensor of `shape` allocated on the GPU (uninitialised). */
export function makeOutput(
  backend: WebGpuBackend,
  shape: number[],
  dtype: tf.DataType = "float32",
): tf.TensorInfo {
  const out = backend.makeTensorInfo(shape, dtype);
  backend.uploadToGPU(out.dataId);
  return out;
}

/** Frees a scratch tensor (after the commands that use it are submitted). */
export function disposeScratch(backend: WebGpuBackend, t: tf.TensorInfo): void {
  backend.disposeData(t.dataId);
}
