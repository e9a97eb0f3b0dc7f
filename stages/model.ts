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
});

const params = z.strictObject({
  /** Backbone variant. */
  backbone: z.enum(BACKBONES).default("efficientnetv2-s"),
  /** Replaces the variant's width coefficient. */
  width: z.number().positive().optional(),
  /** Replaces the variant's depth coefficient. */
  depth: z.number().positive().optional(),
  /** Input size in pixels; the variant's resolution when absent. */
  img_size: z.number().int().min(32).optional(),
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
    const head = "arcface" in p.head
      ? {
        kind: "arcface" as const,
        s: p.head.arcface.s,
        m: p.head.arcface.m,
        easyMargin: p.head.arcface.easy_margin,
        lsEps: p.head.arcface.ls_eps,
        subcenters: p.head.arcface.subcenters,
      }
      : { kind: "softmax" as const };
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
