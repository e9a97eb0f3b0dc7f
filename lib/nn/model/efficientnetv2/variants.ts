/**
 * EfficientNetV2 variants as data: one row per stage, in the layout of the
 * official configs (google/automl `effnetv2_configs.py`, Keras
 * `efficientnet_v2.py` `DEFAULT_BLOCKS_ARGS`). A stage's input width is the
 * previous stage's output (the stem's width for the first stage), so the
 * tables list only `out`.
 *
 * @module
 */

/** The two block types of EfficientNetV2 (Keras `conv_type` 1 and 0). */
export type BlockType = "fused" | "mbconv";

/** One stage of a variant: `repeats` blocks of one type and width. */
export interface StageSpec {
  /** Fused-MBConv (3×3 conv expansion) or MBConv (1×1 expansion + depthwise). */
  block: BlockType;
  /** Number of blocks before depth scaling. */
  repeats: number;
  /** Kernel size of the spatial convolution. */
  kernel: number;
  /** Stride of the stage's first block (later blocks use 1). */
  stride: number;
  /** Expansion ratio of the block's hidden width over its input width. */
  expand: number;
  /** Output channels before width scaling. */
  out: number;
  /** Squeeze-and-excite ratio of the block's input width; absent or 0 means no SE. */
  se?: number;
}

/** A whole variant: its stage table, stem/top widths and scaling coefficients. */
export interface VariantSpec {
  /** Name used in errors and in the model name (`efficientnetv2-<name>`). */
  name: string;
  /** Stem output channels before width scaling (Keras: the first row's `input_filters`). */
  stem: number;
  /** Channels of the 1×1 `top_conv` before width scaling. */
  top: number;
  /** Width coefficient: channel counts are multiplied by it, then rounded to multiples of 8. */
  width: number;
  /** Depth coefficient: repeats are multiplied by it and rounded up. */
  depth: number;
  /** Default input resolution (pixels per side). */
  imgSize: number;
  /** Dropout before the classifier of the 1000-class top. */
  dropout: number;
  /** Final stochastic-depth (drop-path) rate; block rates rise linearly from 0 to it. */
  dropPath: number;
  /** The stages, in order. */
  stages: readonly StageSpec[];
}

// Base tables, one row per stage. b0–b3 share one table and differ in
// coefficients only.
// deno-fmt-ignore
const B0_STAGES: readonly StageSpec[] = [
  { block: "fused",  repeats:  1, kernel: 3, stride: 1, expand: 1, out:  16 },
  { block: "fused",  repeats:  2, kernel: 3, stride: 2, expand: 4, out:  32 },
  { block: "fused",  repeats:  2, kernel: 3, stride: 2, expand: 4, out:  48 },
  { block: "mbconv", repeats:  3, kernel: 3, stride: 2, expand: 4, out:  96, se: 0.25 },
  { block: "mbconv", repeats:  5, kernel: 3, stride: 1, expand: 6, out: 112, se: 0.25 },
  { block: "mbconv", repeats:  8, kernel: 3, stride: 2, expand: 6, out: 192, se: 0.25 },
];

// deno-fmt-ignore
const S_STAGES: readonly StageSpec[] = [
  { block: "fused",  repeats:  2, kernel: 3, stride: 1, expand: 1, out:  24 },
  { block: "fused",  repeats:  4, kernel: 3, stride: 2, expand: 4, out:  48 },
  { block: "fused",  repeats:  4, kernel: 3, stride: 2, expand: 4, out:  64 },
  { block: "mbconv", repeats:  6, kernel: 3, stride: 2, expand: 4, out: 128, se: 0.25 },
  { block: "mbconv", repeats:  9, kernel: 3, stride: 1, expand: 6, out: 160, se: 0.25 },
  { block: "mbconv", repeats: 15, kernel: 3, stride: 2, expand: 6, out: 256, se: 0.25 },
];

// deno-fmt-ignore
const M_STAGES: readonly StageSpec[] = [
  { block: "fused",  repeats:  3, kernel: 3, stride: 1, expand: 1, out:  24 },
  { block: "fused",  repeats:  5, kernel: 3, stride: 2, expand: 4, out:  48 },
  { block: "fused",  repeats:  5, kernel: 3, stride: 2, expand: 4, out:  80 },
  { block: "mbconv", repeats:  7, kernel: 3, stride: 2, expand: 4, out: 160, se: 0.25 },
  { block: "mbconv", repeats: 14, kernel: 3, stride: 1, expand: 6, out: 176, se: 0.25 },
  { block: "mbconv", repeats: 18, kernel: 3, stride: 2, expand: 6, out: 304, se: 0.25 },
  { block: "mbconv", repeats:  5, kernel: 3, stride: 1, expand: 6, out: 512, se: 0.25 },
];

// deno-fmt-ignore
const L_STAGES: readonly StageSpec[] = [
  { block: "fused",  repeats:  4, kernel: 3, stride: 1, expand: 1, out:  32 },
  { block: "fused",  repeats:  7, kernel: 3, stride: 2, expand: 4, out:  64 },
  { block: "fused",  repeats:  7, kernel: 3, stride: 2, expand: 4, out:  96 },
  { block: "mbconv", repeats: 10, kernel: 3, stride: 2, expand: 4, out: 192, se: 0.25 },
  { block: "mbconv", repeats: 19, kernel: 3, stride: 1, expand: 6, out: 224, se: 0.25 },
  { block: "mbconv", repeats: 25, kernel: 3, stride: 2, expand: 6, out: 384, se: 0.25 },
  { block: "mbconv", repeats:  7, kernel: 3, stride: 1, expand: 6, out: 640, se: 0.25 },
];

// Project variant for a 2-core CPU: the same five downsamplings (output
// stride 32) and block types as b0, about 1/20 of its multiply-adds.
// deno-fmt-ignore
const PICO_STAGES: readonly StageSpec[] = [
  { block: "fused",  repeats:  1, kernel: 3, stride: 1, expand: 1, out:  16 },
  { block: "fused",  repeats:  1, kernel: 3, stride: 2, expand: 2, out:  24 },
  { block: "fused",  repeats:  1, kernel: 3, stride: 2, expand: 2, out:  32 },
  { block: "mbconv", repeats:  2, kernel: 3, stride: 2, expand: 4, out:  48, se: 0.25 },
  { block: "mbconv", repeats:  2, kernel: 3, stride: 2, expand: 4, out:  96, se: 0.25 },
];

const B0: VariantSpec = {
  name: "b0",
  stem: 32,
  top: 1280,
  width: 1.0,
  depth: 1.0,
  imgSize: 224,
  dropout: 0.2,
  dropPath: 0.2,
  stages: B0_STAGES,
};

/**
 * The built-in variants. b0, b1, b2, b3, s, m and l follow the official
 * tables and coefficients; `nano` (b0 at width 0.5, depth 0.5) and `pico`
 * (its own smaller table) are this project's variants for a 2-core CPU.
 */
export const EFFICIENTNETV2_VARIANTS: Readonly<Record<string, VariantSpec>> = {
  b0: B0,
  b1: { ...B0, name: "b1", depth: 1.1, imgSize: 240 },
  b2: { ...B0, name: "b2", width: 1.1, depth: 1.2, imgSize: 260, dropout: 0.3 },
  b3: { ...B0, name: "b3", width: 1.2, depth: 1.4, imgSize: 300, dropout: 0.3 },
  s: { ...B0, name: "s", stem: 24, imgSize: 384, stages: S_STAGES },
  m: {
    ...B0,
    name: "m",
    stem: 24,
    imgSize: 480,
    dropout: 0.3,
    stages: M_STAGES,
  },
  l: {
    ...B0,
    name: "l",
    stem: 32,
    imgSize: 480,
    dropout: 0.4,
    stages: L_STAGES,
  },
  nano: { ...B0, name: "nano", width: 0.5, depth: 0.5, imgSize: 128 },
  pico: {
    ...B0,
    name: "pico",
    stem: 16,
    top: 256,
    imgSize: 64,
    dropout: 0.1,
    dropPath: 0.1,
    stages: PICO_STAGES,
  },
};

/** Names of the built-in variants, in table order. */
export const VARIANT_NAMES: readonly string[] = Object.keys(
  EFFICIENTNETV2_VARIANTS,
);
