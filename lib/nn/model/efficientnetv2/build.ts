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
import type { EfficientNetV2Plan } from "./plan.ts";
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
  /** Seed of every initializer and drop-path mask. @default 0 */
  seed?: number;
  /** BatchNormalization momentum (Keras semantics). @default 0.9 */
  bnMomentum?: number;
  /** BatchNormalization epsilon. @default 1e-3 */
  bnEpsilon?: number;
}

/** The backbone applied to an input. */
export interface Backbone {
  /** Output of each stage's last block (`[B, H/stride, W/stride, C]`). */
  stageOutputs: Sym[];
  /** Output of `top_activation`: `[B, H/32, W/32, topFilters]`. */
  features: Sym;
}

/**
 * Applies the EfficientNetV2 feature extractor (no pooling, no classifier) to
 * an image tensor `[B, H, W, 3]`, as planned.
 */
export function applyEfficientNetV2(
  image: Sym,
  plan: EfficientNetV2Plan,
  options: BackboneOptions = {},
): Backbone {
  const { scaled, blocks } = plan;
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
  return { stageOutputs, features };
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
 */
export function buildEfficientNetV2(
  plan: EfficientNetV2Plan,
  options: EfficientNetV2Options = {},
): tfl.LayersModel {
  const { scaled } = plan;
  const size = options.imgSize ?? scaled.imgSize;
  const image = tfl.input({ shape: [size, size, 3], name: "image" });
  const backbone = applyEfficientNetV2(image, plan, options);
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
