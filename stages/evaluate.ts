/**
 * The `evaluate` stage: the best checkpoint on the holdout split, two ways.
 * The classifier predicts the class of the highest margin-free ArcFace logit
 * (s·cos, no margin at inference); kNN predicts by cosine similarity of the
 * holdout embeddings to the train embeddings, the landmark-recognition way.
 * For both: top-k accuracy, GAP, per-class accuracy and (up to 50 classes)
 * the confusion matrix, in `metrics.json`.
 *
 * @module
 */
import { defineStage, z } from "../stage.ts";
import {
  backendParam,
  gpuResources,
  TFJS_STAGE_PERMISSIONS,
  tfjsFacts,
} from "./_tfjs_stage.ts";
import { KNN_VOTINGS } from "../lib/metrics/knn_predict.ts";
import { replicaCount } from "../lib/nn/train/replica_count.ts";

const params = z.strictObject({
  /** The TensorFlow.js backend. */
  backend: backendParam,
  /** Images per inference batch. */
  batch_size: z.int().min(1).default(256),
  /** Workers that embed each batch's parts on the CPU backends: `auto` uses one per core (at most 8). */
  replicas: z.union([z.literal("auto"), z.int().min(1)]).default("auto"),
  /** k values of top-k accuracy (capped at the class count). */
  top_k: z.array(z.int().min(1)).min(1).default([1, 10, 100, 1000]),
  /** kNN retrieval against the train embeddings, or false to skip it. */
  knn: z.union([
    z.literal(false),
    z.strictObject({
      /** Neighbours that vote. */
      k: z.int().min(1).default(5),
      /** How neighbours vote: by count, by summed similarity, or the nearest one's similarity. */
      voting: z.enum(KNN_VOTINGS).default("sum"),
    }),
  ]).default({ k: 5, voting: "sum" }),
});

export default defineStage({
  description:
    "Evaluates the best checkpoint on the holdout split: classifier and kNN top-k accuracy and GAP",
  params,
  inputs: {
    train: { description: "the train stage's artifact (best/ checkpoint)" },
    decode: {
      description: "the decoded images (the holdout and train splits)",
    },
  },
  permissions: TFJS_STAGE_PERMISSIONS,
  resources: gpuResources,
  facts: (p) => tfjsFacts(p.backend),
  async run(ctx) {
    const p = ctx.params;
    const { useBackend } = await import("../lib/nn/backend.ts");
    const { loadModel } = await import("../lib/nn/model/model_io.ts");
    const { openImageDataset } = await import("../lib/image/image_dataset.ts");
    const { evaluateRetrieval } = await import(
      "../lib/nn/evaluate/evaluate_retrieval.ts"
    );
    const { modelPredictor } = await import(
      "../lib/nn/evaluate/predict_batches.ts"
    );
    const { createTrainer } = await import("../lib/nn/train/trainer.ts");

    const facts = await useBackend(p.backend);
    const checkpoint = `${ctx.inputs.train}/best`;
    const data = await openImageDataset(ctx.inputs.decode);
    // Inference is per image, so the parts' embeddings are those of one
    // model in this thread; replicas only spread the batches over the cores.
    const replicas = replicaCount(p.replicas, facts.backend);
    const model = replicas > 1 ? undefined : await loadModel(checkpoint);
    const workers = replicas > 1
      ? await createTrainer({
        modelDir: checkpoint,
        backend: facts.backend,
        replicas,
      })
      : undefined;
    try {
      ctx.progress.start(
        "embedding images",
        data.counts.holdout + (p.knn ? data.counts.train : 0),
      );
      const metrics = await evaluateRetrieval({
        predict: workers
          ? (images) => workers.predict(images)
          : modelPredictor(model!, data.imgSize),
        data,
        batchSize: p.batch_size,
        ks: p.top_k,
        knn: p.knn === false ? undefined : p.knn,
        onImages: (n) => ctx.progress.advance(n),
      });
      ctx.progress.end();
      await Deno.writeTextFile(
        `${ctx.outDir}/metrics.json`,
        `${JSON.stringify({ ...metrics, backend: facts.backend }, null, 1)}\n`,
      );
      const top1 = (block?: { topk: Record<string, number>; gap: number }) =>
        block?.topk["1"] ?? null;
      ctx.log.info(
        `holdout: classifier top-1 ${
          (100 * top1(metrics.classifier)!).toFixed(2)
        }%, GAP ${metrics.classifier.gap.toFixed(4)}` +
          (metrics.knn
            ? `; kNN top-1 ${(100 * top1(metrics.knn)!).toFixed(2)}%, GAP ${
              metrics.knn.gap.toFixed(4)
            }`
            : ""),
      );
      return {
        queries: metrics.queries,
        classifier_top1: top1(metrics.classifier),
        classifier_gap: metrics.classifier.gap,
        knn_top1: top1(metrics.knn),
        knn_gap: metrics.knn?.gap ?? null,
      };
    } finally {
      model?.dispose();
      await workers?.dispose();
      await data.close();
    }
  },
});
