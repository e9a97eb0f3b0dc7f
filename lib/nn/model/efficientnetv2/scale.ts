/**
 * Width and depth scaling with the official rounding (google/automl
 * `effnetv2_model.round_filters` / `round_repeats`, identical in Keras):
 * channels are multiplied by the width coefficient and rounded to the nearest
 * multiple of 8 (never below 8); repeats are multiplied by the depth
 * coefficient and rounded up.
 *
 * @module
 */
import type { BlockType, VariantSpec } from "./variants.ts";
import { validateVariant } from "./validate_variant.ts";

/** Channel divisor and floor of {@linkcode roundFilters}. */
export const DEPTH_DIVISOR = 8;

/** `int(filters·width + 4) // 8 · 8`, at least 8. */
export function roundFilters(filters: number, width: number): number {
  const scaled = filters * width;
  const rounded =
    Math.floor(Math.floor(scaled + DEPTH_DIVISOR / 2) / DEPTH_DIVISOR) *
    DEPTH_DIVISOR;
  return Math.max(DEPTH_DIVISOR, rounded);
}

/** `ceil(repeats·depth)`. */
export function roundRepeats(repeats: number, depth: number): number {
  return Math.ceil(depth * repeats);
}

/** A stage after scaling: real channel counts and repeat count. */
export interface ScaledStage {
  /** Block type. */
  block: BlockType;
  /** Blocks in the stage after depth scaling. */
  repeats: number;
  /** Kernel size. */
  kernel: number;
  /** Stride of the first block. */
  stride: number;
  /** Expansion ratio. */
  expand: number;
  /** Input channels of the stage's first block. */
  inFilters: number;
  /** Output channels of every block in the stage. */
  outFilters: number;
  /** Squeeze-and-excite ratio (0 = none). */
  se: number;
}

/** A variant after scaling. */
export interface ScaledVariant {
  /** The variant's name. */
  name: string;
  /** The width coefficient used. */
  width: number;
  /** The depth coefficient used. */
  depth: number;
  /** Stem channels. */
  stemFilters: number;
  /** `top_conv` channels (the feature width). */
  topFilters: number;
  /** Default input size. */
  imgSize: number;
  /** Dropout before the 1000-class classifier. */
  dropout: number;
  /** Final drop-path rate. */
  dropPath: number;
  /** Scaled stages. */
  stages: ScaledStage[];
}

/** Overrides of a variant's coefficients. */
export interface ScaleOverrides {
  /** Replaces the variant's width coefficient. */
  width?: number;
  /** Replaces the variant's depth coefficient. */
  depth?: number;
}

/**
 * Applies the width and depth coefficients (the variant's own, or the
 * overrides) to a variant table.
 *
 * @throws {VariantError} when the table or an override is invalid
 */
export function scaleVariant(
  spec: VariantSpec,
  overrides: ScaleOverrides = {},
): ScaledVariant {
  const checked = validateVariant({
    ...spec,
    width: overrides.width ?? spec.width,
    depth: overrides.depth ?? spec.depth,
  });
  const { width, depth } = checked;
  const stemFilters = roundFilters(checked.stem, width);
  let inFilters = stemFilters;
  const stages = checked.stages.map((row): ScaledStage => {
    const outFilters = roundFilters(row.out, width);
    const stage: ScaledStage = {
      block: row.block,
      repeats: roundRepeats(row.repeats, depth),
      kernel: row.kernel,
      stride: row.stride,
      expand: row.expand,
      inFilters,
      outFilters,
      se: row.se ?? 0,
    };
    inFilters = outFilters;
    return stage;
  });
  return {
    name: checked.name,
    width,
    depth,
    stemFilters,
    topFilters: roundFilters(checked.top, width),
    imgSize: checked.imgSize,
    dropout: checked.dropout,
    dropPath: checked.dropPath,
    stages,
  };
}
