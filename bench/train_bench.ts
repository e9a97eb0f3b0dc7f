/**
 * `deno task bench train`: training images/s (forward + backward + Adam,
 * batch 16) of EfficientNetV2-B0 with a 10-class ArcFace head on the wasm
 * backend, at 64 and 128 px, next to the PyTorch CPU peer
 * (../shared/peers/torch_train_step.py, 2 threads) measured in the same run,
 * then a per-kernel time profile of one step at 64 px, and the step's largest
 * matrix products and some of its 1x1 convolutions on XNNPACK against this
 * project's GEMM.
 *
 * Ours runs twice per size: in the calling thread (one core) and as two
 * Worker replicas (two cores, like the peer's two threads).
 *
 * Options: --sizes 64,128  --steps 6  --rounds 3  --peer <path to torch_train_step.py>
 *
 * Needs Debian's python3-torch and python3-torchvision (the peer); it names
 * what is missing and exits with code 2.
 *
 * The machine is shared and noisy: each size runs `rounds` rounds of (ours
 * on 1 core, ours on 2 replicas, the peer) and prints medians over rounds,
 * ratios taken within each round.
 *
 * @module
 */
import { planEfficientNetV2 } from "../lib/nn/model/efficientnetv2/plan.ts";
import { parseCliArgs } from "../cli/parse_args.ts";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { buildRetrievalModel } from "../lib/nn/model/retrieval_model.ts";
import { saveModel } from "../lib/nn/model/model_io.ts";
import { createTrainer, type Trainer } from "../lib/nn/train/trainer.ts";
import { probeBackend } from "../lib/nn/backend.ts";
import { profileKernels } from "../lib/nn/kernels/kernel_profile.ts";
import { requireDebianPackages } from "./_requirements.ts";
import { gemm } from "../lib/nn/kernels/_wasm_gemm.ts";
import { pointwiseForward } from "../lib/nn/kernels/_wasm_pointwise_conv.ts";
import type { WasmBackend } from "../lib/nn/kernels/wasm_heap.ts";

/** XNNPACK's matmul and convolution, taken before the trainer registers the project's kernels over them. */
const xnnpackMatMul = tf.getKernel(tf.BatchMatMul, "wasm")!.kernelFunc;
const xnnpackConv = tf.getKernel(tf.FusedConv2D, "wasm")!.kernelFunc;

const { values: args } = parseCliArgs(Deno.args, {
  sizes: { type: "string", default: "64,128" },
  steps: { type: "string", default: "6" },
  rounds: { type: "string", default: "3" },
  peer: {
    type: "string",
    default: new URL("../../shared/peers/torch_train_step.py", import.meta.url)
      .pathname,
  },
});
await requireDebianPackages("train", [
  {
    package: "python3-torch",
    what: "the PyTorch peer",
    python: "import torch",
  },
  {
    package: "python3-torchvision",
    what: "the PyTorch peer's EfficientNetV2",
    python: "import torchvision",
  },
]);
const SIZES = args.sizes!.split(",").map(Number);
const STEPS = Number(args.steps);
const ROUNDS = Number(args.rounds);
const BATCH = 16, CLASSES = 10, WARMUP = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function syntheticBatch(size: number) {
  const images = new Float32Array(BATCH * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = Math.sin(i * 0.37);
  const labels = Int32Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  return { images, labels };
}

async function modelDir(size: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `train_bench_b0_${size}_` });
  await tf.setBackend("cpu");
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "b0" }),
    imgSize: size,
    classes: CLASSES,
    seed: 1,
  });
  await saveModel(model, dir);
  model.dispose();
  return dir;
}

interface Measure {
  imgPerS: number;
  stepMs: number;
  compute: number;
  exchange: number;
  update: number;
}

async function measure(trainer: Trainer, size: number): Promise<Measure> {
  const { images, labels } = syntheticBatch(size);
  const rows = [];
  for (let i = 0; i < WARMUP + STEPS; i++) {
    const outcome = await trainer.step(images, labels, 1e-3);
    if (!outcome.applied) throw new Error(`step ${i}: loss ${outcome.loss}`);
    if (i >= WARMUP) rows.push(outcome.ms);
  }
  const stepMs = median(rows.map((r) => r.total));
  return {
    imgPerS: BATCH / stepMs * 1000,
    stepMs,
    compute: median(rows.map((r) => r.compute)),
    exchange: median(rows.map((r) => r.exchange)),
    update: median(rows.map((r) => r.update)),
  };
}

interface Round {
  one: Measure;
  two: Measure;
  torch: { imgPerS: number; stepMs: number } | string;
  ratioOne: number;
  ratioTwo: number;
}

async function peer(
  size: number,
): Promise<{ imgPerS: number; stepMs: number } | string> {
  const command = new Deno.Command("/usr/bin/python3", {
    args: [
      args.peer!,
      "--model",
      "efficientnet_v2_b0",
      "--size",
      String(size),
      "--batch",
      String(BATCH),
    ]
      .concat([
        "--classes",
        String(CLASSES),
        "--threads",
        "2",
        "--steps",
        String(STEPS),
        "--warmup",
        String(WARMUP),
      ]),
    stdout: "piped",
    stderr: "null",
  });
  try {
    const { code, stdout } = await command.output();
    if (code !== 0) return `exit ${code}`;
    const json = JSON.parse(
      new TextDecoder().decode(stdout).trim().split("\n").pop()!,
    );
    return { imgPerS: json.img_per_s, stepMs: json.step_ms_median };
  } catch (error) {
    return (error as Error).message;
  }
}

const t0 = performance.now();
const probe = await probeBackend("auto");
console.log(
  `probeBackend("auto") -> ${probe.backend} in ${
    (performance.now() - t0).toFixed(1)
  } ms`,
);

const table: string[][] = [[
  "size",
  "ours 1 core img/s",
  "ours 2 replicas img/s",
  "step ms (compute/exchange/Adam)",
  "torch 2 threads img/s",
  "ratio 1 core",
  "ratio 2 replicas",
]];
let profileDir: string | undefined;
for (const size of SIZES) {
  const dir = await modelDir(size);
  if (size === 64 || profileDir === undefined) profileDir = dir;
  const single = await createTrainer({
    modelDir: dir,
    backend: "wasm",
    replicas: 1,
  });
  const pair = await createTrainer({
    modelDir: dir,
    backend: "wasm",
    replicas: 2,
  });
  // Rounds alternate ours and the peer, so load from other processes hits
  // both alike; the table shows medians over rounds (ratios per round).
  const rounds: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const one = await measure(single, size);
    const two = await measure(pair, size);
    const torch = await peer(size);
    const torchRate = typeof torch === "string" ? NaN : torch.imgPerS;
    rounds.push({
      one,
      two,
      torch,
      ratioOne: one.imgPerS / torchRate,
      ratioTwo: two.imgPerS / torchRate,
    });
  }
  await single.dispose();
  await pair.dispose();
  const m = (f: (r: Round) => number) => median(rounds.map(f));
  const failed = rounds.find((r) => typeof r.torch === "string")?.torch as
    | string
    | undefined;
  table.push([
    String(size),
    m((r) => r.one.imgPerS).toFixed(1),
    m((r) => r.two.imgPerS).toFixed(1),
    `${m((r) => r.two.stepMs).toFixed(0)} (${
      m((r) => r.two.compute).toFixed(0)
    }/${m((r) => r.two.exchange).toFixed(0)}/${
      m((r) => r.two.update).toFixed(0)
    })`,
    failed ?? m((r) => (r.torch as { imgPerS: number }).imgPerS).toFixed(1),
    m((r) => r.ratioOne).toFixed(2),
    m((r) => r.ratioTwo).toFixed(2),
  ]);
}
console.log(
  `\nEfficientNetV2-B0 + ArcFace (10 classes), batch ${BATCH}, median of ${STEPS} steps after ${WARMUP}, median of ${ROUNDS} rounds:`,
);
const widths = table[0].map((_, c) =>
  Math.max(...table.map((r) => r[c].length))
);
for (const row of table) {
  console.log(row.map((cell, c) => cell.padStart(widths[c])).join("  "));
}

// One step at the first size, in the calling thread, timed by kernel.
const size = SIZES.includes(64) ? 64 : SIZES[0];
const trainer = await createTrainer({
  modelDir: profileDir!,
  backend: "wasm",
  replicas: 1,
});
const { images, labels } = syntheticBatch(size);
for (let i = 0; i < WARMUP; i++) await trainer.step(images, labels, 1e-3);
const profile = await profileKernels(
  "wasm",
  () => trainer.step(images, labels, 1e-3),
);
await trainer.dispose();
console.log(
  `\nKernel profile of one ${size} px step (1 core): ${
    profile.totalMs.toFixed(0)
  } ms, ` +
    `${profile.kernelMs.toFixed(0)} ms in kernels, ${
      (profile.totalMs - profile.kernelMs).toFixed(0)
    } ms in tfjs/JS`,
);
for (const k of profile.kernels.slice(0, 20)) {
  const share = (100 * k.ms / profile.totalMs).toFixed(1);
  console.log(
    `${k.kernel.padEnd(36)} ${k.ms.toFixed(1).padStart(7)} ms ${
      share.padStart(5)
    }% ${String(k.calls).padStart(6)} calls`,
  );
}

// The step's largest matrix products and some of its 1x1 convolutions, on XNNPACK and on the GEMM.
const backend = tf.findBackend("wasm") as unknown as WasmBackend;
/** Milliseconds of the fastest of 7 calls. */
const fastest = (kernel: () => tf.TensorInfo) => {
  let ms = Infinity;
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    const out = kernel();
    ms = Math.min(ms, performance.now() - start);
    backend.disposeData(out.dataId);
  }
  return ms;
};
const row = (name: string, theirs: number, ours: number) =>
  console.log(
    `${name.padEnd(22)} ${theirs.toFixed(2).padStart(7)} ms ${
      ours.toFixed(2).padStart(7)
    } ms  ${(theirs / ours).toFixed(2)}x`,
  );
console.log(
  "\nKernels of a 64 px step (1 core, fastest of 7): XNNPACK, this project's GEMM",
);
const PRODUCTS = [
  [288, 4096, 128],
  [432, 1024, 192],
  [4096, 64, 144],
  [1024, 128, 288],
  [672, 256, 112],
  [27, 16384, 32],
];
for (const [m, k, n] of PRODUCTS) {
  const [a, b] = tf.tidy(
    () => [tf.randomUniform([1, m, k]), tf.randomUniform([1, k, n])],
  );
  const theirs = fastest(() =>
    xnnpackMatMul({
      inputs: { a, b },
      backend: backend as never,
      attrs: { transposeA: false, transposeB: false },
    }) as tf.TensorInfo
  );
  row(`matmul ${m}x${k}x${n}`, theirs, fastest(() => gemm(backend, a, b)!));
  tf.dispose([a, b]);
}
/** [batch, height, width, in channels, out channels] of 1x1 convolutions. */
const POINTWISE = [
  [16, 16, 16, 48, 192],
  [16, 16, 16, 192, 48],
  [16, 4, 4, 112, 672],
  [16, 2, 2, 192, 1280],
];
for (const [nb, h, w, ci, co] of POINTWISE) {
  const [x, filter] = tf.tidy(
    () => [tf.randomUniform([nb, h, w, ci]), tf.randomUniform([1, 1, ci, co])],
  );
  const attrs = {
    strides: [1, 1],
    pad: "same",
    dataFormat: "NHWC",
    dilations: [1, 1],
    activation: "linear",
  } as unknown as tf.NamedAttrMap;
  const theirs = fastest(() =>
    xnnpackConv({
      inputs: { x, filter },
      backend: backend as never,
      attrs,
    }) as tf.TensorInfo
  );
  const ours = fastest(() =>
    pointwiseForward(x, filter, undefined, backend, attrs)!
  );
  row(`1x1 conv ${h}x${w}x${ci}->${co}`, theirs, ours);
  tf.dispose([x, filter]);
}
