/**
 * The `train` stage: the notebook's `model.fit` — Adam on the ArcFace logits'
 * categorical cross-entropy, the per-epoch learning-rate schedule (its `lrfn`
 * by default), steps per epoch = images // batch size, top-k accuracy and the
 * best-loss checkpoint. After every epoch it saves a checkpoint (weights,
 * Adam state, history) in the runner's crash-surviving checkpoint store, so a
 * killed run resumes after its last finished epoch with the same data order.
 *
 * Writes `history.json` and `best/` (the best-loss checkpoint: model.json,
 * weights.bin, optimizer.bin, checkpoint.json).
 *
 * @module
 */
import { defineStage, z } from "../stage.ts";
import {
  backendParam,
  TFJS_STAGE_PERMISSIONS,
  tfjsFacts,
} from "./_tfjs_stage.ts";

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
});

type Params = z.output<typeof params>;

/** Replicas to use: `auto` is one per core, at most 8, and only on the CPU backends. */
function resolveReplicas(
  requested: Params["replicas"],
  backend: string,
): number {
  if (requested !== "auto") return requested;
  if (backend !== "wasm" && backend !== "cpu") return 1;
  return Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 1));
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
  facts: (p) =>
    tfjsFacts(p.backend, (backend) => ({
      replicas: String(resolveReplicas(p.replicas, backend)),
    })),
  async run(ctx) {
    const p = ctx.params;
    const { createTrainer } = await import("../lib/nn/train/trainer.ts");
    const { probeBackend } = await import("../lib/nn/backend.ts");
    const { openImageDataset } = await import("../lib/image/image_dataset.ts");
    const { lrSchedule } = await import("../lib/nn/train/lr_schedule.ts");
    const { fit } = await import("../lib/nn/train/fit.ts");
    const { formatTrainingProgress, writeTrainOutputs } = await import(
      "../lib/nn/train/train_outputs.ts"
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
    const schedule = lrSchedule(
      p.lr.schedule === "constant" ? { kind: "constant", lr: p.lr.value } : {
        kind: "ramp-cosine",
        start: p.lr.start,
        max: p.lr.max,
        final: p.lr.final,
        rampup: p.lr.rampup_epochs,
        sustain: p.lr.sustain_epochs,
        exponent: p.lr.exponent,
        epochs: p.epochs,
      },
      p.epochs,
    );
    // Resolve `auto` once; the trainer and its workers get the concrete name.
    const { backend } = await probeBackend(p.backend);
    const trainer = await createTrainer({
      modelDir: ctx.inputs.model,
      backend,
      replicas: resolveReplicas(p.replicas, backend),
      workers: true,
      microBatch: p.micro_batch,
      topK: p.top_k,
      adam: {
        beta1: p.adam.beta_1,
        beta2: p.adam.beta_2,
        epsilon: p.adam.epsilon,
      },
    });
    try {
      // Resume after the last finished epoch, if an earlier attempt saved one.
      const last = await ctx.checkpoints.load("last");
      const resumed = last
        ? (await trainer.loadCheckpoint(last)) as { history: [] }
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
      const history = await fit({
        trainer,
        steps,
        schedule,
        history: resumed?.history ?? [],
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
          ctx.progress.advance(1, formatTrainingProgress(progress));
        },
        async onEpochEnd(record, history, best) {
          ctx.progress.end();
          const accuracy = Object.entries(record.accuracy).map(([k, v]) =>
            `top-${k} ${(100 * v).toFixed(1)}%`
          );
          ctx.log.info(
            `epoch ${record.epoch}/${p.epochs}: loss ${
              record.loss.toFixed(4)
            }, ${accuracy.join(", ")}, ` +
              `lr ${record.lr}, ${record.imagesPerSecond.toFixed(0)} img/s${
                best ? " (best so far)" : ""
              }`,
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
      const best = await ctx.checkpoints.load("best");
      const summary = await writeTrainOutputs(ctx.outDir, {
        history,
        schedule,
        bestCheckpoint: best!,
        facts: trainer.facts,
        replicas: trainer.replicas,
        batchSize: p.batch_size,
        stepsPerEpoch: steps,
      });
      return summary;
    } finally {
      await trainer.dispose();
      await data.close();
    }
  },
});
