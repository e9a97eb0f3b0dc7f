/**
 * Builds EfficientNetV2 as tfjs layers from a variant table: stem →
 * blocks → 1×1 `top_conv`, with Keras's layer names, initializers, SiLU and
 * BatchNormalization (momentum 0.9, epsilon 1e-3).
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { SeededDropout } from "../seeded_dropout.ts";
import { deriveSeed } from "../seeds.ts";
import { type BlockSpec, expandBlocks } from "./expand.ts";
import { type ScaledVariant, scaleVariant } from "./scale.ts";
import { resolveVariant } from "./validate_variant.ts";
import type { VariantSpec } from "./variants.ts";
import {
  convBnAct,
  fusedMbConvBlock,
  type LayerSettings,
  mbConvBlock,
} from "./_blocks.ts";
import { denseInitializer } from "./_initializers.ts";

type Sym = tfl.SymbolicTensor;

/** Options of {@linkcode applyEfficientNetV2}. */
export interface BackboneOptions {
  /** A built-in variant name (`"s"`, `"efficientnetv2-s"`, `"pico"`, …) or a custom table. */
  variant: string | VariantSpec;
  /** Replaces the variant's width coefficient. */
  width?: number;
  /** Replaces the variant's depth coefficient. */
  depth?: number;
  /** Replaces the variant's final drop-path rate. */
  dropPath?: number;
  /** Seed of every initializer and drop-path mask. @default 0 */
  seed?: number;
  /** BatchNormalization momentum (Keras semantics). @default 0.9 */
  bnMomentum?: number;
  /** BatchNormalization epsilon. @default 1e-3 */
  bnEpsilon?: number;
}

/** The backbone applied to an input, with the specs it was built from. */
export interface Backbone {
  /** The scaled variant. */
  scaled: ScaledVariant;
  /** One spec per block. */
  blocks: BlockSpec[];
  /** Output of each stage's last block (`[B, H/stride, W/stride, C]`). */
  stageOutputs: Sym[];
  /** Output of `top_activation`: `[B, H/32, W/32, topFilters]`. */
  features: Sym;
}

/** Scales and expands a variant without building anything. */
export function planEfficientNetV2(
  options: BackboneOptions,
): { scaled: ScaledVariant; blocks: BlockSpec[] } {
  const base = resolveVariant(options.variant);
  const scaled = scaleVariant(
    options.dropPath === undefined
      ? base
      : { ...base, dropPath: options.dropPath },
    { width: options.width, depth: options.depth },
  );
  return { scaled, blocks: expandBlocks(scaled) };
}

/**
 * Applies the EfficientNetV2 feature extractor (no pooling, no classifier) to
 * an image tensor `[B, H, W, 3]`.
 *
 * @throws {VariantError} for an unknown variant or a bad table
 */
export function applyEfficientNetV2(
  image: Sym,
  options: BackboneOptions,
): Backbone {
  const { scaled, blocks } = planEfficientNetV2(options);
  const settings: LayerSettings = {
    seed: options.seed ?? 0,
    bnMomentum: options.bnMomentum ?? 0.9,
    bnEpsilon: options.bnEpsilon ?? 1e-3,
    activation: "swish",
  };
  let x = convBnAct(
    image,
    { conv: "stem_conv", bn: "stem_bn", act: "stem_activation" },
    { filters: scaled.stemFilters, kernel: 3, stride: 2 },
    settings,
  );
  const stageOutputs: Sym[] = [];
  for (const spec of blocks) {
    x = spec.block === "fused"
      ? fusedMbConvBlock(x, spec, settings)
      : mbConvBlock(x, spec, settings);
    if (spec.repeat === scaled.stages[spec.stage - 1].repeats - 1) {
      stageOutputs.push(x);
    }
  }
  const features = convBnAct(
    x,
    { conv: "top_conv", bn: "top_bn", act: "top_activation" },
    { filters: scaled.topFilters, kernel: 1, stride: 1 },
    settings,
  );
  return { scaled, blocks, stageOutputs, features };
}

/** Options of {@linkcode buildEfficientNetV2}. */
export interface EfficientNetV2Options extends BackboneOptions {
  /** Input size in pixels per side. @default the variant's resolution */
  imgSize?: number;
  /** Adds Keras's classifier: `avg_pool` → `top_dropout` → `predictions` (softmax). @default true */
  includeTop?: boolean;
  /** Classes of the classifier. @default 1000 */
  classes?: number;
}

/**
 * The Keras-application-shaped model (`efficientnetv2-<name>`): image in,
 * class probabilities (or the feature map without the top) out. Used to
 * check parameter counts and shapes against the published ones.
 *
 * @throws {VariantError} for an unknown variant or a bad table
 */
export function buildEfficientNetV2(
  options: EfficientNetV2Options,
): tfl.LayersModel {
  const { scaled } = planEfficientNetV2(options);
  const size = options.imgSize ?? scaled.imgSize;
  const image = tfl.input({ shape: [size, size, 3], name: "image" });
  const backbone = applyEfficientNetV2(image, options);
  let out = backbone.features;
  if (options.includeTop ?? true) {
    const seed = options.seed ?? 0;
    out = tfl.layers.globalAveragePooling2d({ name: "avg_pool" }).apply(
      out,
    ) as Sym;
    if (scaled.dropout > 0) {
      out = new SeededDropout({
        name: "top_dropout",
        rate: scaled.dropout,
        seed: deriveSeed(seed, "drop", "top_dropout"),
      }).apply(out) as Sym;
    }
    out = tfl.layers.dense({
      name: "predictions",
      units: options.classes ?? 1000,
      activation: "softmax",
      kernelInitializer: denseInitializer(seed, "predictions"),
      biasInitializer: "zeros",
    }).apply(out) as Sym;
  }
  return tfl.model({
    inputs: image,
    outputs: out,
    name: `efficientnetv2-${scaled.name}`,
  });
}
