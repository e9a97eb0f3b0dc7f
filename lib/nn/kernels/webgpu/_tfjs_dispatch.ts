/**
 * Routes tfjs-webgpu's own programs through this project's dispatcher, so
 * they too reuse uniform buffers and bind groups where shapes and buffers
 * repeat (tfjs 4.22 creates both for every dispatch), and show up in the
 * GPU profile. The uniform layout is tfjs's `makeUniforms` (NaN, Infinity,
 * each input's and the output's shape and strides, the size, then the
 * program's own fields), so its shaders read the same bytes.
 *
 * Programs timed by `tf.profile`/`tf.time` and texture programs keep tfjs's
 * own path.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type {
  TfjsProgram,
  TfjsUniform,
  WebGpuBackend,
} from "./_webgpu_backend.ts";
import { dispatcherOf } from "./_dispatcher.ts";

const ROUTED = Symbol.for("@arcface/pipeline/nn/webgpu-routed");

/** Replaces `backend.recordAndSubmit` by the caching one (idempotent). */
export function routeTfjsDispatches(backend: WebGpuBackend): void {
  const holder = backend as unknown as { [ROUTED]?: boolean };
  if (holder[ROUTED]) return;
  holder[ROUTED] = true;
  const original = backend.recordAndSubmit.bind(backend);
  const dispatcher = dispatcherOf(backend);
  backend.recordAndSubmit = (program, output, inputs, uniforms) => {
    const pipeline = program.pipeline;
    if (
      backend.activeTimers != null || program.pixelsOpType != null ||
      pipeline === undefined || pipeline instanceof Promise
    ) {
      return original(program, output, inputs, uniforms);
    }
    const tensors = [output, ...inputs];
    const buffers: GPUBuffer[] = [];
    for (const t of tensors) {
      const resource = backend.tensorMap.get(t.dataId).resource;
      if (!(resource instanceof GPUBuffer)) {
        return original(program, output, inputs, uniforms);
      }
      buffers.push(resource);
    }
    buffers.push(
      dispatcher.uniform(tfjsUniformBytes(program, output, inputs, uniforms)),
    );
    dispatcher.encode(
      pipeline,
      dispatcher.bindGroup(pipeline, buffers),
      program.dispatch,
      program.constructor.name,
      tensors.map((t) => t.dataId),
    );
  };
}

/** The bytes tfjs's `makeUniforms` writes for this program call. */
export function tfjsUniformBytes(
  program: TfjsProgram,
  output: tf.TensorInfo,
  inputs: tf.TensorInfo[],
  uniforms: TfjsUniform[] | undefined,
): ArrayBuffer {
  const fields: TfjsUniform[] = [
    { type: "float32", data: [NaN] },
    { type: "float32", data: [Infinity] },
  ];
  for (const shape of [...inputs, output].map((t) => t.shape)) {
    fields.push({ type: "int32", data: shape });
    fields.push({ type: "int32", data: tf.util.computeStrides(shape) });
  }
  if (program.size) {
    const size = tf.util.sizeFromShape(program.outputShape);
    fields.push({
      type: "int32",
      data: [program.outputComponent ? size / program.outputComponent : size],
    });
  }
  if (uniforms) fields.push(...uniforms);
  // WGSL alignment (https://www.w3.org/TR/WGSL/#alignof), as tfjs computes it.
  let offset = 0, previous = 0, maxAlign = 1;
  const offsets: number[] = [];
  for (const field of fields) {
    const data = field.data.length === 0 ? [1] : field.data;
    let align = data.length === 1 ? 4 : data.length === 2 ? 8 : 16;
    if (previous === 5 || previous === 6) align = 16;
    maxAlign = Math.max(maxAlign, align);
    offset = Math.ceil(offset / align) * align;
    previous = data.length;
    offsets.push(offset);
    offset += data.length * 4;
  }
  offset = Math.ceil(offset / maxAlign) * maxAlign;
  const bytes = new ArrayBuffer(offset);
  fields.forEach((field, i) => {
    const data = field.data.length === 0 ? [1] : field.data;
    const View = field.type === "int32"
      ? Int32Array
      : field.type === "uint32"
      ? Uint32Array
      : Float32Array;
    new View(bytes, offsets[i], data.length).set(data);
  });
  return bytes;
}
