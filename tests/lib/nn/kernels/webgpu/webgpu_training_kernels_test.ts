import * as tf from "@tensorflow/tfjs-core";
import { planEfficientNetV2 } from "../../../../../lib/nn/model/efficientnetv2/plan.ts";
import { buildRetrievalModel } from "../../../../../lib/nn/model/retrieval_model.ts";
import { saveModel } from "../../../../../lib/nn/model/model_io.ts";
import {
  createTrainer,
  type Trainer,
} from "../../../../../lib/nn/train/trainer.ts";
import { fit } from "../../../../../lib/nn/train/fit.ts";
import type { EpochRecord } from "../../../../../lib/nn/train/epoch_record.ts";
import { gpuTest, skipReason } from "./_webgpu.ts";

// EfficientNetV2-pico + ArcFace at 16 px: small enough for lavapipe.
const IMG = 16, CLASSES = 5, BATCH = 6, STEPS = 3;

const modelDir = skipReason === undefined ? await tinyModelDir() : "";

async function tinyModelDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "webgpu_training_" });
  await tf.setBackend("cpu");
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "pico", dropPath: 0 }),
    imgSize: IMG,
    classes: CLASSES,
    seed: 3,
  });
  await saveModel(model, dir);
  model.dispose();
  return dir;
}

function batch(seed: number) {
  const labels = Int32Array.from(
    { length: BATCH },
    (_, i) => (i + seed) % CLASSES,
  );
  const images = new Float32Array(BATCH * IMG * IMG * 3);
  for (let i = 0; i < images.length; i++) {
    const sample = Math.floor(i / (IMG * IMG * 3));
    images[i] = Math.sin(i * 0.013 * (1 + labels[sample])) +
      0.1 * Math.sin(i * 7.1 + seed);
  }
  return { images, labels, size: BATCH };
}

/** fit() over `epochs` epochs of STEPS batches; every step's loss is recorded too. */
async function train(
  trainer: Trainer,
  epochs: number,
  history: EpochRecord[] = [],
  onEpochEnd?: (record: EpochRecord) => Promise<void>,
): Promise<{ history: EpochRecord[]; steps: number[] }> {
  const steps: number[] = [];
  const result = await fit({
    trainer: {
      lag: trainer.lag,
      step: (images, labels, lr, options) =>
        trainer.step(images, labels, lr, options).then((o) => {
          steps.push(o.loss);
          return o;
        }),
    },
    steps: STEPS,
    schedule: Array(epochs).fill(2e-3),
    history,
    async *batches(epoch) {
      for (let s = 0; s < STEPS; s++) yield batch(epoch * STEPS + s);
    },
    onEpochEnd: (record) => onEpochEnd?.(record) ?? Promise.resolve(),
  });
  return { history: result, steps };
}

// Tolerance. One step's gradients agree with cpu's to about 2e-5 (float32,
// other summation orders); but some are zero up to rounding (the beta of a
// BN whose output feeds another BN through a linear conv), and Adam turns
// their rounding noise into steps of ±lr, so the curves part a little more
// with every step: 0.26% after 6 steps measured on lavapipe (wasm: 0.03%).
const LOSS_TOLERANCE = 5e-3;

gpuTest(
  "fit() on webgpu (steps recorded ahead of their readback) follows the cpu backend's loss curve",
  async () => {
    const curves: number[][] = [];
    for (const backend of ["cpu", "webgpu"] as const) {
      const trainer = await createTrainer({ modelDir, backend, topK: [1] });
      if (backend === "webgpu" && trainer.lag !== 1) {
        throw new Error(`lag ${trainer.lag} on webgpu`);
      }
      curves.push((await train(trainer, 2)).steps);
      await trainer.dispose();
    }
    const [cpu, gpu] = curves;
    for (let i = 0; i < cpu.length; i++) {
      if (!(Math.abs(gpu[i] - cpu[i]) <= LOSS_TOLERANCE * Math.abs(cpu[i]))) {
        throw new Error(`step ${i + 1}: webgpu ${gpu} vs cpu ${cpu}`);
      }
    }
    if (!(gpu[gpu.length - 1] < gpu[0])) {
      throw new Error(`loss did not fall: ${gpu}`);
    }
  },
);

gpuTest(
  "Trainer.step() on webgpu with a NaN loss reports it and leaves the weights alone",
  async () => {
    const trainer = await createTrainer({ modelDir, backend: "webgpu" });
    try {
      await trainer.step(batch(0).images, batch(0).labels, 1e-3);
      const before = await trainer.replicaDigests();
      const { images, labels } = batch(1);
      images[5] = NaN;
      const outcome = await trainer.step(images, labels, 1e-3);
      if (!Number.isNaN(outcome.loss) || outcome.applied) {
        throw new Error(`outcome ${JSON.stringify(outcome)}`);
      }
      if ((await trainer.replicaDigests())[0] !== before[0]) {
        throw new Error("weights or BN statistics changed after a NaN step");
      }
    } finally {
      await trainer.dispose();
    }
  },
);

gpuTest(
  "training on webgpu resumes after its last finished epoch exactly",
  async () => {
    const ckpt = await Deno.makeTempDir({ prefix: "webgpu_ckpt_" });
    const a = await createTrainer({ modelDir, backend: "webgpu" });
    const straight = await train(a, 2, [], async (record) => {
      if (record.epoch === 1) await a.saveCheckpoint(ckpt, { epoch: 1 });
    });
    await a.dispose();
    const b = await createTrainer({ modelDir, backend: "webgpu" });
    const state = await b.loadCheckpoint(ckpt);
    const resumed = await train(b, 2, straight.history.slice(0, 1));
    await b.dispose();
    await Deno.remove(ckpt, { recursive: true });
    if (JSON.stringify(state) !== '{"epoch":1}') {
      throw new Error(
        `state ${state}`,
      );
    }
    const tail = straight.steps.slice(STEPS);
    if (JSON.stringify(resumed.steps) !== JSON.stringify(tail)) {
      throw new Error(`resumed ${resumed.steps} vs ${tail}`);
    }
    const [x, y] = [straight.history[1], resumed.history[1]];
    if (
      x.loss !== y.loss ||
      JSON.stringify(x.accuracy) !== JSON.stringify(y.accuracy)
    ) {
      throw new Error(`epoch 2: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
  },
);
