/**
 * The full retrieval model of the notebook: image → EfficientNetV2 →
 * GlobalAveragePooling2D or GeM (`pooling`) → Dropout (`dropout`) → optional
 * neck (Dense + BN, `neck_dense`/`neck_bn`) → head. The ArcFace head
 * (`arc_margin`) also takes the label, so its model has the inputs
 * `[image, label]`; the softmax head (`logits`) has the image alone.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { ArcMarginProduct } from "./arcface.ts";
import { GeMPooling } from "./gem_pooling.ts";
import { applyEfficientNetV2 } from "./efficientnetv2/build.ts";
import type { EfficientNetV2Plan } from "./efficientnetv2/plan.ts";
import { SeededDropout } from "./seeded_dropout.ts";
import { deriveSeed } from "./seeds.ts";

type Sym = tfl.SymbolicTensor;

/** The classification head that produces the training logits. */
export type HeadConfig =
  | {
    kind: "arcface";
    /** Logit scale. @default 30 */
    s?: number;
    /** Angular margin in radians. @default 0.5 */
    m?: number;
    /** `cos > 0 ? phi : cos` instead of the th/mm fallback. @default false */
    easyMargin?: boolean;
    /** Label smoothing of the margin's one-hot. @default 0 */
    lsEps?: number;
    /** Centres per class (sub-centre ArcFace). @default 1 */
    subcenters?: number;
    /** One margin per class (dynamic margins, see `dynamicMargins`), replacing m. */
    margins?: readonly number[];
  }
  | { kind: "softmax" };

/** Everything {@linkcode buildRetrievalModel} needs. */
export interface RetrievalModelConfig {
  /** The backbone, planned by `planEfficientNetV2` (its drop-path rate included). */
  backbone: EfficientNetV2Plan;
  /** Input size in pixels per side. @default the variant's resolution */
  imgSize?: number;
  /** Number of classes. */
  classes: number;
  /** The head. @default { kind: "arcface" } (s 30, m 0.5, as the notebook) */
  head?: HeadConfig;
  /** Pooling of the backbone's feature map: global average, or GeM with a learnable p. @default { kind: "avg" } */
  pooling?: { kind: "avg" } | { kind: "gem"; p?: number };
  /** Embedding size of a Dense + BN neck after pooling; none when absent. */
  neck?: number;
  /** Dropout after pooling (the notebook's `Dropout(0.0)`). @default 0 */
  dropout?: number;
  /** Seed of every initializer and dropout mask. @default 0 */
  seed?: number;
}

/** Layer names the rest of the project relies on. */
export const RETRIEVAL_LAYERS = {
  image: "image",
  label: "label",
  pooling: "pooling",
  dropout: "dropout",
  neckDense: "neck_dense",
  neckBn: "neck_bn",
  arcface: "arc_margin",
  softmax: "logits",
} as const;

const HEAD_LAYERS: readonly string[] = [
  RETRIEVAL_LAYERS.neckDense,
  RETRIEVAL_LAYERS.neckBn,
  RETRIEVAL_LAYERS.arcface,
  RETRIEVAL_LAYERS.softmax,
];

/**
 * True for a weight (`<layer>/<weight>`) of the neck or head, false for the
 * backbone: pretrained backbone weights are imported for the others only.
 */
export function isHeadWeight(name: string): boolean {
  return HEAD_LAYERS.includes(name.split("/")[0]);
}

/**
 * Builds the training model: inputs `[image [B, S, S, 3] float32,
 * label [B, 1] int32]` for ArcFace (a `[B]` label also works with `apply`),
 * the image alone for softmax; output the training logits `[B, classes]`
 * (with the margin, for ArcFace). Initial weights depend only on the config
 * (seed included).
 */
export function buildRetrievalModel(
  config: RetrievalModelConfig,
): tfl.LayersModel {
  const seed = config.seed ?? 0;
  const { scaled } = config.backbone;
  const size = config.imgSize ?? scaled.imgSize;
  if (!(Number.isInteger(config.classes) && config.classes >= 1)) {
    throw new RangeError(
      `Cannot build the retrieval model: classes ${config.classes} is not a positive integer`,
    );
  }
  const image = tfl.input({
    shape: [size, size, 3],
    name: RETRIEVAL_LAYERS.image,
  });
  const label = tfl.input({
    shape: [1],
    dtype: "int32",
    name: RETRIEVAL_LAYERS.label,
  });
  const backbone = applyEfficientNetV2(image, config.backbone, { seed });
  const pooling = config.pooling ?? { kind: "avg" };
  let x =
    (pooling.kind === "gem"
      ? new GeMPooling({ name: RETRIEVAL_LAYERS.pooling, p: pooling.p })
      : tfl.layers.globalAveragePooling2d({ name: RETRIEVAL_LAYERS.pooling }))
      .apply(backbone.features) as Sym;
  x = new SeededDropout({
    name: RETRIEVAL_LAYERS.dropout,
    rate: config.dropout ?? 0,
    seed: deriveSeed(seed, "drop", RETRIEVAL_LAYERS.dropout),
  }).apply(x) as Sym;
  if (config.neck !== undefined) {
    x = tfl.layers.dense({
      name: RETRIEVAL_LAYERS.neckDense,
      units: config.neck,
      kernelInitializer: tfl.initializers.glorotUniform({
        seed: deriveSeed(seed, "init", RETRIEVAL_LAYERS.neckDense),
      }),
    }).apply(x) as Sym;
    x = tfl.layers.batchNormalization({
      name: RETRIEVAL_LAYERS.neckBn,
      momentum: 0.9,
      epsilon: 1e-3,
    }).apply(x) as Sym;
  }
  const head = config.head ?? { kind: "arcface" };
  let logits: Sym;
  switch (head.kind) {
    case "arcface":
      logits = new ArcMarginProduct({
        name: RETRIEVAL_LAYERS.arcface,
        nClasses: config.classes,
        s: head.s,
        m: head.m,
        easyMargin: head.easyMargin,
        lsEps: head.lsEps,
        subcenters: head.subcenters,
        margins: head.margins,
        seed: deriveSeed(seed, "init", RETRIEVAL_LAYERS.arcface),
      }).apply([x, label]) as Sym;
      break;
    case "softmax":
      logits = tfl.layers.dense({
        name: RETRIEVAL_LAYERS.softmax,
        units: config.classes,
        kernelInitializer: tfl.initializers.glorotUniform({
          seed: deriveSeed(seed, "init", RETRIEVAL_LAYERS.softmax),
        }),
      }).apply(x) as Sym;
      break;
    default:
      throw new TypeError(
        `Cannot build the head: kind ${
          JSON.stringify((head as { kind: unknown }).kind)
        } is unknown`,
      );
  }
  return tfl.model({
    inputs: head.kind === "arcface" ? [image, label] : image,
    outputs: logits,
    name: `retrieval-efficientnetv2-${scaled.name}`,
  });
}
