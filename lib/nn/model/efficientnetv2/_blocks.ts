/**
 * The layers of one EfficientNetV2 block, named as Keras names them
 * (`<prefix>expand_conv`, `<prefix>dwconv2`, `<prefix>se_reduce`, …).
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { DropPath } from "../seeded_dropout.ts";
import { deriveSeed } from "../seeds.ts";
import { convInitializer } from "./_initializers.ts";
import type { BlockSpec } from "./expand.ts";

type Sym = tfl.SymbolicTensor;

/** Settings shared by every layer of the network. */
export interface LayerSettings {
  /** Model seed; per-layer seeds derive from it and the layer name. */
  seed: number;
  /** BatchNormalization momentum, Keras semantics. */
  bnMomentum: number;
  /** BatchNormalization epsilon. */
  bnEpsilon: number;
  /** Activation of the network (`swish` = SiLU). */
  activation: "swish";
}

/** conv (no bias) → BN → optional activation, as one named unit. */
export function convBnAct(
  x: Sym,
  names: { conv: string; bn: string; act?: string },
  conv: { filters: number; kernel: number; stride: number },
  settings: LayerSettings,
): Sym {
  let y = tfl.layers.conv2d({
    name: names.conv,
    filters: conv.filters,
    kernelSize: conv.kernel,
    strides: conv.stride,
    padding: "same",
    useBias: false,
    kernelInitializer: convInitializer(settings.seed, names.conv),
  }).apply(x) as Sym;
  y = batchNorm(y, names.bn, settings);
  if (names.act) {
    y = tfl.layers.activation({
      name: names.act,
      activation: settings.activation,
    }).apply(y) as Sym;
  }
  return y;
}

/** Keras-semantics BatchNormalization (moving = momentum·moving + (1 − momentum)·batch). */
export function batchNorm(x: Sym, name: string, settings: LayerSettings): Sym {
  return tfl.layers.batchNormalization({
    name,
    axis: -1,
    momentum: settings.bnMomentum,
    epsilon: settings.bnEpsilon,
  }).apply(x) as Sym;
}

function squeezeExcite(x: Sym, spec: BlockSpec, settings: LayerSettings): Sym {
  const p = spec.prefix;
  // [B, H, W, C] → [B, C] → [B, 1, 1, C] → bottleneck → gates in (0, 1) per channel.
  let se = tfl.layers.globalAveragePooling2d({ name: `${p}se_squeeze` }).apply(
    x,
  ) as Sym;
  se = tfl.layers.reshape({
    name: `${p}se_reshape`,
    targetShape: [1, 1, spec.hiddenFilters],
  }).apply(se) as Sym;
  se = tfl.layers.conv2d({
    name: `${p}se_reduce`,
    filters: spec.seFilters,
    kernelSize: 1,
    padding: "same",
    activation: settings.activation,
    kernelInitializer: convInitializer(settings.seed, `${p}se_reduce`),
  }).apply(se) as Sym;
  se = tfl.layers.conv2d({
    name: `${p}se_expand`,
    filters: spec.hiddenFilters,
    kernelSize: 1,
    padding: "same",
    activation: "sigmoid",
    kernelInitializer: convInitializer(settings.seed, `${p}se_expand`),
  }).apply(se) as Sym;
  return tfl.layers.multiply({ name: `${p}se_excite` }).apply([x, se]) as Sym;
}

function residual(
  x: Sym,
  input: Sym,
  spec: BlockSpec,
  settings: LayerSettings,
): Sym {
  if (!spec.residual) return x;
  if (spec.dropRate > 0) {
    x = new DropPath({
      name: `${spec.prefix}drop`,
      rate: spec.dropRate,
      seed: deriveSeed(settings.seed, "drop", spec.prefix),
    }).apply(x) as Sym;
  }
  return tfl.layers.add({ name: `${spec.prefix}add` }).apply([x, input]) as Sym;
}

/** MBConv: 1×1 expansion → k×k depthwise → SE → 1×1 projection (+ residual). */
export function mbConvBlock(
  input: Sym,
  spec: BlockSpec,
  settings: LayerSettings,
): Sym {
  const p = spec.prefix;
  let x = input;
  if (spec.expand !== 1) {
    x = convBnAct(
      x,
      {
        conv: `${p}expand_conv`,
        bn: `${p}expand_bn`,
        act: `${p}expand_activation`,
      },
      { filters: spec.hiddenFilters, kernel: 1, stride: 1 },
      settings,
    );
  }
  x = tfl.layers.depthwiseConv2d({
    name: `${p}dwconv2`,
    kernelSize: spec.kernel,
    strides: spec.stride,
    padding: "same",
    useBias: false,
    depthwiseInitializer: convInitializer(settings.seed, `${p}dwconv2`),
  }).apply(x) as Sym;
  x = batchNorm(x, `${p}bn`, settings);
  x = tfl.layers.activation({
    name: `${p}activation`,
    activation: settings.activation,
  }).apply(x) as Sym;
  if (spec.seFilters > 0) x = squeezeExcite(x, spec, settings);
  x = convBnAct(
    x,
    { conv: `${p}project_conv`, bn: `${p}project_bn` },
    { filters: spec.outFilters, kernel: 1, stride: 1 },
    settings,
  );
  return residual(x, input, spec, settings);
}

/**
 * Fused-MBConv: k×k expansion conv (taking the stride) → SE → 1×1 projection;
 * with expansion 1 the single k×k conv is the projection and is activated.
 */
export function fusedMbConvBlock(
  input: Sym,
  spec: BlockSpec,
  settings: LayerSettings,
): Sym {
  const p = spec.prefix;
  let x = input;
  const expanded = spec.expand !== 1;
  if (expanded) {
    x = convBnAct(
      x,
      {
        conv: `${p}expand_conv`,
        bn: `${p}expand_bn`,
        act: `${p}expand_activation`,
      },
      { filters: spec.hiddenFilters, kernel: spec.kernel, stride: spec.stride },
      settings,
    );
  }
  if (spec.seFilters > 0) x = squeezeExcite(x, spec, settings);
  x = convBnAct(
    x,
    {
      conv: `${p}project_conv`,
      bn: `${p}project_bn`,
      act: expanded ? undefined : `${p}project_activation`,
    },
    {
      filters: spec.outFilters,
      kernel: expanded ? 1 : spec.kernel,
      stride: expanded ? 1 : spec.stride,
    },
    settings,
  );
  return residual(x, input, spec, settings);
}
