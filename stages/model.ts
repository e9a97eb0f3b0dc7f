/**
 * The `model` stage: builds the retrieval model (EfficientNetV2 backbone →
 * pooling → dropout → optional neck → ArcFace or softmax head) from its
 * params, seeds its initial weights from the stage seed, optionally imports
 * pretrained backbone weights, and writes `model.json` + `weights.bin`,
 * `model_config.json` and a Keras-style `summary.txt`.
 *
 * @module
 */
import { defineStage, z } from "../stage.ts";
import type { HeadConfig } from "../lib/nn/model/retrieval_model.ts";
import { VARIANT_NAMES } from "../lib/nn/model/efficientnetv2/variants.ts";

const BACKBONES = VARIANT_NAMES.map((name) => `efficientnetv2-${name}`) as [
  string,
  ...string[],
];

const arcface = z.strictObject({
  /** Logit scale s. */
  s: z.number().positive().default(30),
  /** Angular margin m in radians. */
  m: z.number().min(0).max(Math.PI / 2).default(0.5),
  /** `cos > 0 ? phi : cos` instead of the th/mm fallback. */
  easy_margin: z.boolean().default(false),
  /** Label smoothing on the margin's one-hot. */
  ls_eps: z.number().min(0).lt(1).default(0),
  /** Centres per class (sub-centre ArcFace). */
  subcenters: z.number().int().min(1).default(1),
  /** Per-class margins by class frequency (rarer classes get larger ones), replacing m; needs the ingest input. */
  dynamic_margin: z.union([
    z.literal(false),
    z.strictObject({
      min: z.number().min(0).max(Math.PI / 2).default(0.05),
      max: z.number().min(0).max(Math.PI / 2).default(0.5),
      power: z.number().positive().default(0.25),
    }).refine((d) => d.min <= d.max, "min is above max"),
  ]).default(false),
});

const params = z.strictObject({
  /** Backbone variant. */
  backbone: z.enum(BACKBONES).default("efficientnetv2-s"),
  /** Replaces the variant's width coefficient. */
  width: z.number().positive().optional(),
  /** Replaces the variant's depth coefficient. */
  depth: z.number().positive().optional(),
  /** Input size in pixels; the variant's resolution when absent. */
  img_size: z.number().int().min(16).optional(),
  /** Number of classes; taken from the `ingest` input's dataset.json when absent. */
  classes: z.number().int().min(1).optional(),
  /** The head: `{ arcface: {...} }` or `{ softmax: {} }`. */
  head: z.union([
    // `arcface:` or `softmax:` with no value in YAML is null: take the defaults.
    z.strictObject({ arcface: z.preprocess((v) => v ?? {}, arcface) }),
    z.strictObject({
      softmax: z.preprocess((v) => v ?? {}, z.strictObject({})),
    }),
  ]).default({ arcface: arcface.parse({}) }),
  /** Pooling of the backbone's feature map: `avg` (the notebook's) or `gem` (generalized mean, learnable p). */
  pooling: z.union([
    z.literal("avg"),
    z.strictObject({
      gem: z.strictObject({ p: z.number().positive().default(3) }),
    }),
  ]).default("avg"),
  /** Embedding size of a Dense + BN neck after pooling. */
  neck: z.number().int().min(1).optional(),
  /** Dropout after pooling (the notebook uses 0). */
  dropout: z.number().min(0).lt(1).default(0),
  /** Final stochastic-depth rate; the variant's (0.2) when absent. */
  drop_path: z.number().min(0).lt(1).optional(),
  /** Pretrained weights: a tfjs model directory or a Keras .h5 file, relative to the pipeline file. */
  pretrained: z.string().min(1).optional(),
  /** Which weights come from `pretrained`: the backbone only, or every layer (same head and classes). */
  pretrained_scope: z.enum(["backbone", "all"]).default("backbone"),
});

/** The params of the model stage, after defaults. */
export type ModelParams = z.output<typeof params>;

function resolvePath(pipelineDir: string, path: string): string {
  return path.startsWith("/") ? path : `${pipelineDir}/${path}`;
}

export default defineStage({
  description:
    "Builds the EfficientNetV2 + ArcFace retrieval model and writes its seeded initial weights",
  params,
  inputs: {
    ingest: {
      optional: true,
      description:
        "dataset.json gives the number of classes when `classes` is not set",
    },
  },
  reads: (p) => (p.pretrained === undefined ? [] : [p.pretrained]),
  async run(ctx) {
    const p = ctx.params;
    const { useBackend } = await import("../lib/nn/backend.ts");
    // Initial weights come from seeded JS generators, the same on every backend.
    await useBackend("cpu");
    const { buildRetrievalModel, isHeadWeight } = await import(
      "../lib/nn/model/retrieval_model.ts"
    );
    const { saveModel } = await import("../lib/nn/model/model_io.ts");
    const { countModelParams, modelSummary } = await import(
      "../lib/nn/model/model_summary.ts"
    );
    const { readPretrainedWeights } = await import(
      "../lib/nn/model/pretrained_weights.ts"
    );
    const { importWeights } = await import("../lib/nn/model/import_weights.ts");
    const { planEfficientNetV2 } = await import(
      "../lib/nn/model/efficientnetv2/plan.ts"
    );

    const classes = await resolveClasses(p.classes, ctx.inputs.ingest);
    const variant = p.backbone.replace(/^efficientnetv2-/, "");
    const head = await headConfig(p, classes, ctx.inputs.ingest);
    const backbone = planEfficientNetV2({
      variant,
      width: p.width,
      depth: p.depth,
      dropPath: p.drop_path,
    });
    const { scaled } = backbone;
    const config = {
      backbone,
      imgSize: p.img_size ?? scaled.imgSize,
      classes,
      head,
      pooling: p.pooling === "avg"
        ? { kind: "avg" as const }
        : { kind: "gem" as const, p: p.pooling.gem.p },
      neck: p.neck,
      dropout: p.dropout,
      seed: ctx.seed,
    };
    const model = buildRetrievalModel(config);

    let pretrained = null;
    if (p.pretrained !== undefined) {
      const path = resolvePath(ctx.pipelineDir, p.pretrained);
      const weights = await readPretrainedWeights(path);
      const report = importWeights(model, weights, {
        select: p.pretrained_scope === "backbone"
          ? (key) => !isHeadWeight(key)
          : undefined,
        source: p.pretrained,
      });
      ctx.log.info(
        `Imported ${report.loaded.length} weights from "${p.pretrained}"; ${report.unused.length} unused`,
      );
      pretrained = {
        path: p.pretrained,
        scope: p.pretrained_scope,
        loaded: report.loaded.length,
        unused: report.unused,
      };
    }

    await saveModel(model, ctx.outDir);
    const counts = countModelParams(model);
    const modelConfig = {
      config,
      backbone: {
        name: `efficientnetv2-${variant}`,
        features: scaled.topFilters,
      },
      params: counts,
      pretrained,
      stageParams: p,
    };
    await Deno.writeTextFile(
      `${ctx.outDir}/model_config.json`,
      JSON.stringify(modelConfig, null, 2) + "\n",
    );
    await Deno.writeTextFile(`${ctx.outDir}/summary.txt`, modelSummary(model));
    model.dispose();
    return {
      backbone: `efficientnetv2-${variant}`,
      imgSize: config.imgSize,
      classes,
      head: head.kind,
      params: counts.total,
    };
  },
});

/** The head the params ask for, in lib/nn's terms (dynamic margins from ingest's class counts). */
async function headConfig(
  p: ModelParams,
  classes: number,
  ingestDir: string | undefined,
): Promise<HeadConfig> {
  if (!("arcface" in p.head)) return { kind: "softmax" };
  const a = p.head.arcface;
  let margins: number[] | undefined;
  if (a.dynamic_margin !== false) {
    if (ingestDir === undefined) {
      throw new RangeError(
        "Cannot set dynamic margins: they need the ingest input's class counts (add needs: [ingest])",
      );
    }
    const { dynamicMargins } = await import("../lib/nn/model/arc_margin.ts");
    const counts = JSON.parse(
      await Deno.readTextFile(`${ingestDir}/class_counts.json`),
    ) as { label: number; train: number }[];
    const train = new Array(classes).fill(0);
    for (const c of counts) train[c.label] = c.train;
    margins = dynamicMargins(train, a.dynamic_margin);
  }
  return {
    kind: "arcface",
    s: a.s,
    m: a.m,
    easyMargin: a.easy_margin,
    lsEps: a.ls_eps,
    subcenters: a.subcenters,
    ...(margins ? { margins } : {}),
  };
}

async function resolveClasses(
  param: number | undefined,
  ingestDir: string | undefined,
): Promise<number> {
  let fromIngest: number | undefined;
  if (ingestDir !== undefined) {
    const path = `${ingestDir}/dataset.json`;
    const dataset = JSON.parse(await Deno.readTextFile(path));
    if (!(Number.isInteger(dataset?.classes) && dataset.classes >= 1)) {
      throw new RangeError(
        `Cannot take the class count from "${path}": classes is ${
          JSON.stringify(dataset?.classes)
        }`,
      );
    }
    fromIngest = dataset.classes;
  }
  if (param !== undefined && fromIngest !== undefined && param !== fromIngest) {
    throw new RangeError(
      `Cannot build the model: classes ${param} differs from the ${fromIngest} classes of the ingest input (drop "classes" or fix it)`,
    );
  }
  const classes = param ?? fromIngest;
  if (classes === undefined) {
    throw new RangeError(
      `Cannot build the model: the class count is unknown (set "classes" or add the ingest input)`,
    );
  }
  return classes;
}
