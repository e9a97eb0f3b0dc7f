/**
 * EfficientNetV2 as data: variant tables → {@linkcode planEfficientNetV2}
 * (resolve, validate, {@linkcode scaleVariant}, {@linkcode expandBlocks},
 * once) → tfjs layers ({@linkcode applyEfficientNetV2},
 * {@linkcode buildEfficientNetV2}), with Keras's layer names and the
 * published parameter counts.
 *
 * @example Count the parameters of EfficientNetV2-S without building it
 * ```ts
 * import { countParams, planEfficientNetV2 } from "./mod.ts";
 * const { scaled, blocks } = planEfficientNetV2({ variant: "s" });
 * if (countParams(scaled, blocks, 1000) !== 21_612_360) throw new Error("wrong count");
 * ```
 *
 * @module
 */
export { applyEfficientNetV2, buildEfficientNetV2 } from "./build.ts";
export type {
  Backbone,
  BackboneOptions,
  EfficientNetV2Options,
} from "./build.ts";
export { countBlockParams, countParams } from "./count_params.ts";
export { type EfficientNetV2Plan, planEfficientNetV2 } from "./plan.ts";
export type { PlanOptions } from "./plan.ts";
export { type BlockSpec, expandBlocks, repeatLetter } from "./expand.ts";
export {
  roundFilters,
  roundRepeats,
  type ScaledStage,
  type ScaledVariant,
  scaleVariant,
} from "./scale.ts";
export type { ScaleOverrides } from "./scale.ts";
export { resolveVariant, validateVariant } from "./validate_variant.ts";
export { VariantError, type VariantLocation } from "./variant_error.ts";
export {
  type BlockType,
  EFFICIENTNETV2_VARIANTS,
  type StageSpec,
  VARIANT_NAMES,
  type VariantSpec,
} from "./variants.ts";
