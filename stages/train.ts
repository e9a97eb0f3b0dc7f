/**
 * The `train` stage: the notebook's `model.fit` — Adam on the ArcFace logits'
 * categorical cross-entropy, the per-epoch learning-rate schedule (its `lrfn`
 * by default), steps per epoch = images // batch size, top-k accuracy and the
 * best checkpoint — plus what training from scratch on few images per class
 * needs: a margin warm-up, label smoothing, validation on the holdout every
 * epoch, a best checkpoint by a holdout metric, early stopping, and warnings
 * when the run is not learning. After every epoch it saves a checkpoint
 * (weights, Adam state, history) in the runner's crash-surviving checkpoint
 * store, so a killed run resumes after its last finished epoch with the same
 * data order and margins.
 *
 * Writes `history.json` and `best/` (the best checkpoint: model.json,
 * weights.bin, optimizer.bin, checkpoint.json).
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
import type { LrScheduleConfig } from "../lib/nn/train/lr_schedule.ts";
import type { EpochRecord } from "../lib/nn/train/epoch_record.ts";
import { replicaCount } from "../lib/nn/train/replica_count.ts";

const rampCosine = z.strictObject({
  schedule: z.literal("ramp-cosine"),
  /** Learning rate of the first epoch. */
  start: z.number().positive().default(1e-5),
  /** Peak learning rate. */
  max: z.number().positive().default(2e-4),
  /** Floor the cosine decays towards. */
  final: z.number().positive().default(2e-5),
  /** Warm-up epochs (exponential ramp). */
  rampup_epochs: z.int().min(0).default(3),
  /** Epochs held at the peak. */
  sustain_epochs: z.int().min(0).default(2),
  /** Exponent of the warm-up ramp. */
  exponent: z.number().positive().default(2.5),
  /** Move the rate every step, linearly from each epoch's value to the next's (the notebook: once per epoch). */
  per_step: z.boolean().default(false),
});

const constant = z.strictObject({
  schedule: z.literal("constant"),
  /** The learning rate of every epoch. */
  value: z.number().positive(),
});

const params = z.strictObject({
  /** Epochs to train (the notebook: 15). */
  epochs: z.int().min(1).default(15),
  /** Images per step, over all replicas. */
  batch_size: z.int().min(1).default(128),
  /** Steps per epoch: `auto` is train images // batch_size (the notebook's STEPS_PER_EPOCH). */
  steps_per_epoch: z.union([z.literal("auto"), z.int().min(1)]).default("auto"),
  /** The per-epoch learning rate (the notebook's lrfn by default). */
  lr: z.discriminatedUnion("schedule", [rampCosine, constant]).default(
    rampCosine.parse({ schedule: "ramp-cosine" }),
  ),
  /** Adam's other settings (Keras defaults). */
  adam: z.strictObject({
    beta_1: z.number().min(0).lt(1).default(0.9),
    beta_2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-7),
  }).default({ beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 }),
  /** The TensorFlow.js backend. */
  backend: backendParam,
  /** Data-parallel replicas on the CPU backends: `auto` uses one per core (at most 8). */
  replicas: z.union([z.literal("auto"), z.int().min(1)]).default("auto"),
  /** Most images per forward/backward pass; larger batches accumulate gradients. */
  micro_batch: z.int().min(1).optional(),
  /** k values of top-k accuracy (capped at the class count). */
  top_k: z.array(z.int().min(1)).min(1).default([1, 10, 100, 1000]),
  /** ArcFace margin warm-up: margin 0 for hold_epochs, then a linear ramp to the full margin over ramp_epochs. */
  margin_warmup: z.union([
    z.literal(false),
    z.strictObject({
      hold_epochs: z.number().min(0).default(0),
      ramp_epochs: z.number().min(0).default(5),
    }),
  ]).default(false),
  /** Label smoothing ε of the cross-entropy. */
  label_smoothing: z.number().min(0).lt(1).default(0),
  /** Score the holdout after every epoch (classifier top-1 and GAP; kNN too when knn is true). */
  validation: z.union([
    z.literal(false),
    z.strictObject({
      knn: z.boolean().default(false),
      k: z.int().min(1).default(5),
      voting: z.enum(KNN_VOTINGS).default("sum"),
      batch_size: z.int().min(1).default(256),
    }),
  ]).default({ knn: false, k: 5, voting: "sum", batch_size: 256 }),
  /** What the best checkpoint (and early stopping) watch. */
  monitor: z.enum([
    "loss",
    "holdout_top1",
    "holdout_gap",
    "holdout_knn_top1",
    "holdout_knn_gap",
  ]).default("loss"),
  /** Stop after this many epochs without a better monitored value. */
  patience: z.int().min(1).optional(),
}).refine(
  (p) => p.monitor === "loss" || p.validation !== false,
  { message: "a holdout monitor needs validation", path: ["monitor"] },
).refine(
  (p) =>
    !p.monitor.startsWith("holdout_knn") ||
    (p.validation !== false && p.validation.knn),
  {
    message: "a kNN monitor needs validation: { knn: true }",
    path: ["monitor"],
  },
);

type Params = z.output<typeof params>;

/** The learning-rate schedule the params ask for, in lib/nn's terms. */
function scheduleOf(p: Params): LrScheduleConfig {
  return p.lr.schedule === "constant" ? { kind: "constant", lr: p.lr.value } : {
    kind: "ramp-cosine",
    start: p.lr.start,
    max: p.lr.max,
    final: p.lr.final,
    rampup: p.lr.rampup_epochs,
    sustain: p.lr.sustain_epochs,
    exponent: p.lr.exponent,
    epochs: p.epochs,
  };
}

export default defineStage({
  description:
    "Trains the model with Adam, the notebook's learning-rate schedule and best-loss checkpoints",
  params,
  inputs: {
    decode: { description: "the decoded training images (the decode stage)" },
    model: { description: "the initial model (the model stage)" },
  },
  permissions: TFJS_STAGE_PERMISSIONS,
  resources: gpuResources,
  facts: (p) =>
    tfjsFacts(p.backend, (backend) => ({
      replicas: String(replicaCount(p.replicas, backend)),
    })),
  async run(ctx) {
    const p = ctx.params;
    const { createTrainer } = await import("../lib/nn/train/trainer.ts");
    const { probeBackend } = await import("../lib/nn/backend.ts");
    const { openImageDataset } = await import("../lib/image/image_dataset.ts");
    const { lrSchedule } = await import("../lib/nn/train/lr_schedule.ts");
    const { fit } = await import("../lib/nn/train/fit.ts");
    const { formatEpoch, formatTrainingProgress, writeTrainOutputs } =
      await import(
        "../lib/nn/train/train_outputs.ts"
      );
    const { marginScale } = await import("../lib/nn/train/margin_schedule.ts");
    const { validateEpoch } = await import(
      "../lib/nn/train/validate_epoch.ts"
    );

    const data = await openImageDataset(ctx.inputs.decode);
    const available = data.stepsPerEpoch({
      split: "train",
      batchSize: p.batch_size,
      mode: "train",
    });
    if (available === 0) {
      throw new RangeError(
        `Cannot train with batch_size ${p.batch_size}: the train split has only ${data.counts.train} images`,
      );
    }
    const steps = p.steps_per_epoch === "auto" ? available : p.steps_per_epoch;
    if (steps > available) {
      throw new RangeError(
        `Cannot take ${steps} steps per epoch: ${data.counts.train} train images make ${available} batches of ${p.batch_size}`,
      );
    }
    const schedule = lrSchedule(scheduleOf(p), p.epochs);
    if (p.validation !== false && data.counts.holdout === 0) {
      throw new RangeError(
        "Cannot validate every epoch: the holdout split is empty (set validation: false, or give ingest a holdout)",
      );
    }
    // Resolve `auto` once; the trainer and its workers get the concrete name.
    const { backend } = await probeBackend(p.backend);
    const trainer = await createTrainer({
      modelDir: ctx.inputs.model,
      backend,
      replicas: replicaCount(p.replicas, backend),
      workers: true,
      microBatch: p.micro_batch,
      topK: p.top_k,
      adam: {
        beta1: p.adam.beta_1,
        beta2: p.adam.beta_2,
        epsilon: p.adam.epsilon,
      },
      labelSmoothing: p.label_smoothing,
    });
    const warnings: string[] = [];
    try {
      // Resume after the last finished epoch, if an earlier attempt saved one.
      const last = await ctx.checkpoints.load("last");
      const resumed = last
        ? (await trainer.loadCheckpoint(last)) as { history: EpochRecord[] }
        : undefined;
      if (resumed) {
        ctx.log.info(
          `resuming after epoch ${resumed.history.length} of ${p.epochs}`,
        );
      }
      ctx.log.info(
        `${trainer.facts.backend} backend, ${trainer.replicas} replica(s), ${data.counts.train} images, ` +
          `${steps} steps of ${p.batch_size} per epoch`,
      );
      const warmup = p.margin_warmup === false ? undefined : {
        hold: p.margin_warmup.hold_epochs,
        ramp: p.margin_warmup.ramp_epochs,
      };
      const validation = p.validation;
      // The last epoch's holdout scores, for the live progress line.
      let holdout = resumed?.history.at(-1)?.holdout;
      const history = await fit({
        trainer,
        steps,
        schedule,
        lrPerStep: p.lr.schedule === "ramp-cosine" && p.lr.per_step,
        history: resumed?.history ?? [],
        monitor: p.monitor,
        patience: p.patience,
        classes: data.classes,
        marginScale: warmup
          ? (epoch, step) => marginScale(warmup, epoch, step, steps)
          : undefined,
        validate: validation === false ? undefined : () =>
          validateEpoch({
            predict: (images) => trainer.predict(images),
            data,
            batchSize: validation.batch_size,
            knn: validation.knn
              ? { k: validation.k, voting: validation.voting }
              : undefined,
          }),
        batches: async function* (epoch) {
          let step = 0;
          for await (
            const batch of data.batches({
              split: "train",
              epoch,
              batchSize: p.batch_size,
              seed: ctx.seed,
              // The trainer copies a batch before step() returns: reuse the buffers.
              reuseBuffers: true,
            })
          ) {
            if (step++ >= steps) break;
            yield batch;
          }
        },
        onStep(progress) {
          if (progress.step === 1) {
            ctx.progress.start(
              `epoch ${progress.epoch + 1}/${p.epochs}`,
              progress.steps,
            );
          }
          ctx.progress.advance(1, formatTrainingProgress(progress, holdout));
        },
        onWarning(message) {
          warnings.push(message);
          ctx.log.warn(message);
        },
        async onEpochEnd(record, history, best) {
          ctx.progress.end();
          holdout = record.holdout;
          ctx.log.info(
            `${formatEpoch(record, p.epochs)}${best ? " (best so far)" : ""}`,
          );
          const state = { history };
          if (best) {
            await ctx.checkpoints.save(
              "best",
              (dir) => trainer.saveCheckpoint(dir, state),
            );
          }
          await ctx.checkpoints.save(
            "last",
            (dir) => trainer.saveCheckpoint(dir, state),
          );
        },
      });
      if (history.length < p.epochs) {
        ctx.log.info(
          `stopped early after epoch ${history.length}: ${p.monitor} did not improve for ${p.patience} epochs`,
        );
      }
      const best = await ctx.checkpoints.load("best");
      const summary = await writeTrainOutputs(ctx.outDir, {
        history,
        schedule,
        bestCheckpoint: best!,
        facts: trainer.facts,
        replicas: trainer.replicas,
        batchSize: p.batch_size,
        stepsPerEpoch: steps,
        monitor: p.monitor,
        warnings,
      });
      return summary;
    } finally {
      await trainer.dispose();
      await data.close();
    }
  },
});
