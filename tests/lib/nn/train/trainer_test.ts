import { planEfficientNetV2 } from "../../../../lib/nn/model/efficientnetv2/plan.ts";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { buildRetrievalModel } from "../../../../lib/nn/model/retrieval_model.ts";
import { saveModel } from "../../../../lib/nn/model/model_io.ts";
import {
  createTrainer,
  type Trainer,
} from "../../../../lib/nn/train/trainer.ts";

const IMG = 32, CLASSES = 5, BATCH = 8;

/** A small EfficientNetV2 ("pico") with an ArcFace head, saved like the model stage does. */
async function tinyModelDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "trainer_test_" });
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

function batch(
  seed: number,
  n = BATCH,
): { images: Float32Array; labels: Int32Array } {
  const labels = Int32Array.from({ length: n }, (_, i) => (i + seed) % CLASSES);
  const images = new Float32Array(n * IMG * IMG * 3);
  for (let i = 0; i < images.length; i++) {
    // Class-dependent pattern plus noise, so the batch is learnable.
    const sample = Math.floor(i / (IMG * IMG * 3));
    images[i] = Math.sin(i * 0.013 * (1 + labels[sample])) +
      0.1 * Math.sin(i * 7.1 + seed);
  }
  return { images, labels };
}

async function losses(
  trainer: Trainer,
  steps: number,
  lr = 1e-3,
): Promise<number[]> {
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { images, labels } = batch(s);
    out.push((await trainer.step(images, labels, lr)).loss);
  }
  return out;
}

const modelDir = await tinyModelDir();

Deno.test("createTrainer() step leaks no tensor from step 2 on", async () => {
  const trainer = await createTrainer({
    modelDir,
    backend: "wasm",
    topK: [1, 3],
  });
  const counts: number[] = [];
  for (let s = 0; s < 4; s++) {
    const { images, labels } = batch(s);
    await trainer.step(images, labels, 1e-3);
    counts.push(tf.memory().numTensors);
  }
  await trainer.dispose();
  if (new Set(counts.slice(1)).size !== 1) {
    throw new Error(`numTensors after steps 1..4: ${counts}`);
  }
});

Deno.test("createTrainer() fits a fixed batch: the loss falls and top-k counts are bounded", async () => {
  const trainer = await createTrainer({
    modelDir,
    backend: "wasm",
    topK: [1, 3, 100],
  });
  if (JSON.stringify(trainer.topK) !== JSON.stringify([1, 3, 5])) {
    throw new Error(`topK ${trainer.topK}`);
  }
  const { images, labels } = batch(0);
  const seen: number[] = [];
  let last;
  for (let s = 0; s < 12; s++) {
    last = await trainer.step(images, labels, 3e-3);
    seen.push(last.loss);
  }
  await trainer.dispose();
  if (!(seen[11] < 0.5 * seen[0])) {
    throw new Error(`loss did not fall: ${seen}`);
  }
  if (last!.correct[5] !== BATCH || !(last!.correct[1] <= last!.correct[3])) {
    throw new Error(`correct counts ${JSON.stringify(last!.correct)}`);
  }
});

Deno.test("Trainer.step() with a NaN loss reports it and leaves the weights alone", async () => {
  const trainer = await createTrainer({ modelDir, backend: "wasm" });
  await losses(trainer, 1);
  const before = await trainer.replicaDigests();
  const { images, labels } = batch(1);
  images[5] = NaN;
  const outcome = await trainer.step(images, labels, 1e-3);
  const after = await trainer.replicaDigests();
  await trainer.dispose();
  if (!Number.isNaN(outcome.loss) || outcome.applied) {
    throw new Error(`outcome ${JSON.stringify(outcome)}`);
  }
  if (before[0] !== after[0]) {
    throw new Error("weights changed after a NaN step");
  }
});

Deno.test("Trainer.loadCheckpoint() resumes bit-identically", async () => {
  const ckpt = await Deno.makeTempDir({ prefix: "trainer_ckpt_" });
  const a = await createTrainer({ modelDir, backend: "wasm" });
  await losses(a, 2);
  await a.saveCheckpoint(ckpt, { epoch: 2 });
  const tail = [];
  for (let s = 2; s < 4; s++) {
    tail.push((await a.step(batch(s).images, batch(s).labels, 1e-3)).loss);
  }
  await a.dispose();
  const b = await createTrainer({ modelDir, backend: "wasm" });
  const state = await b.loadCheckpoint(ckpt);
  const resumed = [];
  for (let s = 2; s < 4; s++) {
    resumed.push((await b.step(batch(s).images, batch(s).labels, 1e-3)).loss);
  }
  await b.dispose();
  if (JSON.stringify(state) !== '{"epoch":2}') {
    throw new Error(`state ${JSON.stringify(state)}`);
  }
  if (JSON.stringify(resumed) !== JSON.stringify(tail)) {
    throw new Error(`resumed ${resumed} vs ${tail}`);
  }
});

Deno.test("createTrainer() with 2 replicas is deterministic and keeps the replicas identical", async () => {
  const runs: number[][] = [];
  for (let run = 0; run < 2; run++) {
    const trainer = await createTrainer({
      modelDir,
      backend: "wasm",
      replicas: 2,
      topK: [1, 3],
    });
    runs.push(await losses(trainer, 3));
    const digests = await trainer.replicaDigests();
    // An odd batch: parts of 2 and 3 samples, weighted by size.
    const odd = batch(9, 5);
    const outcome = await trainer.step(odd.images, odd.labels, 1e-3);
    const after = await trainer.replicaDigests();
    await trainer.dispose();
    if (digests[0] !== digests[1] || after[0] !== after[1]) {
      throw new Error("replicas diverged");
    }
    if (!Number.isFinite(outcome.loss) || outcome.correct[3] > 5) {
      throw new Error(JSON.stringify(outcome));
    }
  }
  if (JSON.stringify(runs[0]) !== JSON.stringify(runs[1])) {
    throw new Error(`runs differ: ${runs[0]} vs ${runs[1]}`);
  }
  if (!runs[0].every(Number.isFinite)) throw new Error(`losses ${runs[0]}`);
});

Deno.test("createTrainer() with one replica in a Worker trains exactly like the in-thread one", async () => {
  const local = await createTrainer({ modelDir, backend: "wasm" });
  const want = await losses(local, 3);
  await local.dispose();
  const worker = await createTrainer({
    modelDir,
    backend: "wasm",
    workers: true,
  });
  const got = await losses(worker, 3);
  await worker.dispose();
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`worker ${got} vs in-thread ${want}`);
  }
});

Deno.test("createTrainer() with micro-batches accumulates gradients, leaks nothing and still fits", async () => {
  const trainer = await createTrainer({
    modelDir,
    backend: "wasm",
    microBatch: 3,
  });
  const { images, labels } = batch(0);
  const seen: number[] = [];
  const counts: number[] = [];
  for (let s = 0; s < 10; s++) {
    const outcome = await trainer.step(images, labels, 3e-3);
    seen.push(outcome.loss);
    counts.push(tf.memory().numTensors);
    if (outcome.correct[1] > BATCH) {
      throw new Error(JSON.stringify(outcome.correct));
    }
  }
  await trainer.dispose();
  // ArcFace with its margin starts high (about 16 at s=30, m=0.5): ask for a clear fall, not a collapse.
  if (!(seen[9] < 0.75 * seen[0])) {
    throw new Error(`loss did not fall: ${seen}`);
  }
  if (new Set(counts.slice(1)).size !== 1) {
    throw new Error(`numTensors ${counts}`);
  }
});

Deno.test("createTrainer() with micro-batches as large as the batch equals no split", async () => {
  const run = async (microBatch?: number) => {
    const trainer = await createTrainer({
      modelDir,
      backend: "wasm",
      microBatch,
    });
    const out = await losses(trainer, 2);
    await trainer.dispose();
    return out;
  };
  const [whole, same] = [await run(), await run(BATCH)];
  if (JSON.stringify(whole) !== JSON.stringify(same)) {
    throw new Error(`${whole} vs ${same}`);
  }
});

Deno.test("micro-batches weight gradients and BN statistics by size: a duplicated batch trains like one copy", async () => {
  const run = async (copies: number) => {
    const trainer = await createTrainer({
      modelDir,
      backend: "wasm",
      microBatch: 4,
    });
    const out: (number | string)[] = [];
    for (let s = 0; s < 3; s++) {
      const { images, labels } = batch(s, 4);
      const imgs = new Float32Array(images.length * copies),
        labs = new Int32Array(labels.length * copies);
      for (let c = 0; c < copies; c++) {
        imgs.set(images, c * images.length);
        labs.set(labels, c * labels.length);
      }
      out.push((await trainer.step(imgs, labs, 1e-3)).loss);
    }
    await trainer.dispose();
    return out;
  };
  const [one, two] = [await run(1), await run(2)];
  if (JSON.stringify(one) !== JSON.stringify(two)) {
    throw new Error(`one copy ${one} vs two ${two}`);
  }
});

Deno.test("createTrainer() reports an unreadable model directory, in-thread and from workers", async () => {
  for (const workers of [false, true]) {
    let caught: (Error & { file?: string }) | undefined;
    try {
      await createTrainer({
        modelDir: "/nonexistent/model",
        backend: "wasm",
        workers,
      });
    } catch (error) {
      caught = error as Error;
    }
    // A worker's error keeps its name and fields (not its class).
    const file = "/nonexistent/model/model.json";
    if (
      caught?.name !== "ModelFileError" || caught.file !== file ||
      !caught.message.includes(`"${file}"`)
    ) {
      throw new Error(
        `workers ${workers}: ${caught?.name} ${caught?.file} ${caught?.message}`,
      );
    }
  }
});

Deno.test("createTrainer() refuses bad replica counts and replicas without workers", async () => {
  for (
    const options of [{ replicas: 0 }, { replicas: 2, workers: false }, {
      replicas: 1.5,
    }]
  ) {
    let failed = false;
    try {
      await createTrainer({ modelDir, backend: "wasm", ...options });
    } catch (error) {
      failed = error instanceof RangeError;
    }
    if (!failed) throw new Error(`accepted ${JSON.stringify(options)}`);
  }
});

Deno.test("TrainReplica draws dropout masks per replica: same index, same loss; other index, other masks", async () => {
  const { TrainReplica } = await import(
    "../../../../lib/nn/train/train_replica.ts"
  );
  const { KerasAdam } = await import("../../../../lib/nn/train/keras_adam.ts");
  const { useBackend } = await import("../../../../lib/nn/backend.ts");
  await tf.setBackend("cpu");
  const dropDir = await Deno.makeTempDir({ prefix: "trainer_drop_" });
  const built = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "pico", dropPath: 0.5 }),
    imgSize: IMG,
    classes: CLASSES,
    seed: 3,
  });
  await saveModel(built, dropDir);
  built.dispose();
  await useBackend("wasm");
  const { loadModel } = await import("../../../../lib/nn/model/model_io.ts");
  const lossFor = async (index: number) => {
    const replica = new TrainReplica(
      await loadModel(dropDir),
      new KerasAdam(),
      {
        topK: [1],
        replica: { index, count: 2 },
      },
    );
    const { images, labels } = batch(0);
    const { loss } = await replica.computeGradients(images, labels);
    replica.dispose();
    return loss;
  };
  const [a, b, c] = [await lossFor(0), await lossFor(0), await lossFor(1)];
  if (a !== b || a === c) throw new Error(`losses ${a} ${b} ${c}`);
});

// The webgpu backend runs on whatever adapter Deno exposes: a real GPU, or a
// CPU Vulkan (Debian's mesa-vulkan-drivers, as on CI). Its step must read its
// results asynchronously (Deno has no synchronous GPU readback).
const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
Deno.test({
  name:
    "createTrainer() on webgpu takes the same first step as on cpu, and keeps fitting",
  ignore: !adapter,
  fn: async () => {
    const gpu = await createTrainer({ modelDir, backend: "webgpu", topK: [1] });
    const reference = await createTrainer({
      modelDir,
      backend: "cpu",
      topK: [1],
    });
    try {
      const { images, labels } = batch(0);
      const [onGpu, onCpu] = [
        await gpu.step(images, labels, 1e-3),
        await reference.step(images, labels, 1e-3),
      ];
      if (!(Math.abs(onGpu.loss - onCpu.loss) < 1e-3 * Math.abs(onCpu.loss))) {
        throw new Error(
          `first loss on webgpu ${onGpu.loss} differs from cpu ${onCpu.loss}`,
        );
      }
      const seen = await losses(gpu, 6);
      if (!(seen[5] < seen[0])) {
        throw new Error(`loss did not fall on webgpu: ${seen}`);
      }
    } finally {
      await gpu.dispose();
      await reference.dispose();
      await tf.setBackend("cpu");
    }
  },
});

Deno.test("a batch too big for the wasm heap fails with a message that says to shrink it", async () => {
  // B0 at 256 px needs far more than the 4 GB a wasm heap can hold for 96 images.
  const size = 256, n = 96;
  const dir = await Deno.makeTempDir({ prefix: "trainer_oom_" });
  await tf.setBackend("cpu");
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "b0" }),
    imgSize: size,
    classes: CLASSES,
    seed: 1,
  });
  await saveModel(model, dir);
  model.dispose();
  // In a Worker, so the exhausted heap dies with it.
  const trainer = await createTrainer({
    modelDir: dir,
    backend: "wasm",
    workers: true,
  });
  try {
    const labels = Int32Array.from({ length: n }, (_, i) => i % CLASSES);
    let message = "";
    await trainer.step(new Float32Array(n * size * size * 3), labels, 1e-3)
      .catch((e) => message = e.message);
    if (
      !/the wasm heap \(4 GB\) ran out/.test(message) ||
      !/smaller microBatch \(or batch size\)/.test(message)
    ) {
      throw new Error(`unexpected error: ${message}`);
    }
  } finally {
    await trainer.dispose().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
