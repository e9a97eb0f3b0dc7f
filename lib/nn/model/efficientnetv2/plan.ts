/**
 * Plans a backbone once: the variant resolved by name (or taken as a custom
 * table), validated, scaled by its width and depth coefficients (or the
 * overrides) and expanded into one spec per block. Builders and stages take
 * the plan as it is and never re-derive it.
 *
 * @module
 */
import { type BlockSpec, expandBlocks } from "./expand.ts";
import { type ScaledVariant, scaleVariant } from "./scale.ts";
import { resolveVariant } from "./validate_variant.ts";
import type { VariantSpec } from "./variants.ts";

/** What a plan is made from. */
export interface PlanOptions {
  /** A built-in variant name (`"s"`, `"efficientnetv2-s"`, `"pico"`, …) or a custom table. */
  variant: string | VariantSpec;
  /** Replaces the variant's width coefficient. */
  width?: number;
  /** Replaces the variant's depth coefficient. */
  depth?: number;
  /** Replaces the variant's final drop-path rate. */
  dropPath?: number;
}

/** A checked, scaled and expanded backbone: plain data (it is saved with the model's config). */
export interface EfficientNetV2Plan {
  /** The scaled variant. */
  scaled: ScaledVariant;
  /** One spec per block, in order. */
  blocks: BlockSpec[];
}

/**
 * Resolves, validates, scales and expands a variant.
 *
 * @throws {VariantError} for an unknown variant, a bad table or a bad override
 */
export function planEfficientNetV2(options: PlanOptions): EfficientNetV2Plan {
  const base = resolveVariant(options.variant);
  const scaled = scaleVariant(
    options.dropPath === undefined
      ? base
      : { ...base, dropPath: options.dropPath },
    { width: options.width, depth: options.depth },
  );
  return { scaled, blocks: expandBlocks(scaled) };
}
