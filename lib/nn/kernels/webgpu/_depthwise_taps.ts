/**
 * WGSL shared by the depthwise kernels: the geometry uniforms and the
 * per-output-element gather over the KH×KW taps of one channel.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type { UniformField } from "./_dispatcher.ts";
import { convUniforms } from "./_conv_info.ts";

/** Geometry uniforms plus the element count of the tensor each invocation writes. */
export function depthwiseUniforms(
  info: tf.backend_util.Conv2DInfo,
  size: number,
): Record<string, UniformField> {
  return { size: ["i32", size], ...convUniforms(info) };
}

/** The flat invocation index over a [x, y] grid of 256-wide workgroups. */
export const FLAT_INDEX = "i32(gid.x + gid.y * groups.x * 256u)";

/** Entry-point parameters for {@linkcode FLAT_INDEX}. */
export const FLAT_PARAMS =
  "@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>";
