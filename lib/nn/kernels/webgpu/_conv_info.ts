/**
 * Convolution geometry from a tfjs kernel's attributes, and whether this
 * project's WebGPU kernels handle it (NHWC, no dilation; tfjs's own kernels
 * take the rest).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { UniformField } from "./_dispatcher.ts";

/** The attributes tfjs passes to its convolution gradient kernels. */
export interface ConvAttrs {
  /** Strides, one number or [height, width]. */
  strides: number | [number, number];
  /** Padding mode or explicit pads. */
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  /** Dilations (forward and depthwise kernels). */
  dilations?: number | [number, number];
  /** "NHWC" or "NCHW" (regular convolutions). */
  dataFormat?: "NHWC" | "NCHW";
  /** Rounding of the output size for numeric pads. */
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** tfjs's convolution info for these shapes and attributes. */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    attrs.dataFormat === "NCHW" ? "channelsFirst" : "channelsLast",
  );
}

/** Whether the kernels here take this convolution (channels last, dilation 1). */
export function handled(info: tf.backend_util.Conv2DInfo): boolean {
  return info.dataFormat === "channelsLast" && info.dilationHeight === 1 &&
    info.dilationWidth === 1;
}

/** Whether it is a 1×1 convolution with stride 1 and no padding: a plain matrix product. */
export function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 1 && info.filterWidth === 1 &&
    info.strideHeight === 1 && info.strideWidth === 1 &&
    info.padInfo.top === 0 && info.padInfo.left === 0 &&
    info.outHeight === info.inHeight && info.outWidth === info.inWidth;
}

/** The geometry as uniforms for the implicit-GEMM loaders. */
export function convUniforms(
  info: tf.backend_util.Conv2DInfo,
): Record<string, UniformField> {
  return {
    batch: ["i32", info.batchSize],
    ih: ["i32", info.inHeight],
    iw: ["i32", info.inWidth],
    ci: ["i32", info.inChannels],
    oh: ["i32", info.outHeight],
    ow: ["i32", info.outWidth],
    co: ["i32", info.outChannels],
    kh: ["i32", info.filterHeight],
    kw: ["i32", info.filterWidth],
    sh: ["i32", info.strideHeight],
    sw: ["i32", info.strideWidth],
    pt: ["i32", info.padInfo.top],
    pl: ["i32", info.padInfo.left],
  };
}
