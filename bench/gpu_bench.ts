/**
 * `deno task bench gpu`, for a machine with a GPU: training images/s
 * (forward + backward + Adam) of EfficientNetV2-B0 + ArcFace on the best GPU
 * backend there (tensorflow-gpu, else webgpu on a hardware adapter), next to
 * PyTorch on CUDA with the shared peer's network
 * (bench/peers/torch_cuda_step.py) when python3 has torch with CUDA. Without
 * a GPU backend it says so and stops.
 *
 * Options: --sizes 128,224  --batch 32  --steps 10  --peer <torch_train_step.py>  --python python3
 *
 * @module
 */
import { planEfficientNetV2 } from "../lib/nn/model/efficientnetv2/plan.ts";
import { parseCliArgs } from "../cli/parse_args.ts";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { buildRetrievalModel } from "../lib/nn/model/retrieval_model.ts";
import { saveModel } from "../lib/nn/model/model_io.ts";
import { createTrainer } from "../lib/nn/train/trainer.ts";
import { probeBackend } from "../lib/nn/backend.ts";

const { values: args } = parseCliArgs(Deno.args, {
  sizes: { type: "string", default: "128,224" },
  batch: { type: "string", default: "32" },
  steps: { type: "string", default: "10" },
  peer: {
    type: "string",
    default: new URL("../../shared/peers/torch_train_step.py", import.meta.url)
      .pathname,
  },
  python: { type: "string", default: "python3" },
});
const BATCH = Number(args.batch);
const STEPS = Number(args.steps);
const CLASSES = 10;
const WARMUP = 3;

// The GPU backends, best first; a CPU WebGPU adapter (llvmpipe) does not count.
let probe: Awaited<ReturnType<typeof probeBackend>> | undefined;
for (const candidate of ["tensorflow-gpu", "webgpu"] as const) {
  try {
    const found = await probeBackend(candidate);
    if (/llvmpipe|lavapipe|swiftshader|softpipe/i.test(found.adapter ?? "")) {
      console.log(`${candidate}: a CPU adapter (${found.adapter}), not a GPU`);
      continue;
    }
    probe = found;
    break;
  } catch (error) {
    console.log(`${candidate}: ${(error as Error).message}`);
  }
}
if (probe === undefined) {
  console.log("no GPU backend on this machine: nothing to measure");
  Deno.exit(0);
}
console.log(
  `measuring ${probe.backend}${probe.adapter ? ` (${probe.adapter})` : ""}`,
);
const backend = probe.backend;

async function ours(
  size: number,
): Promise<{ imgPerS: number; lossFirst: number; lossLast: number }> {
  const dir = await Deno.makeTempDir({ prefix: `gpu_bench_${size}_` });
  await tf.setBackend("cpu");
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: "b0" }),
    imgSize: size,
    classes: CLASSES,
    seed: 1,
  });
  await saveModel(model, dir);
  model.dispose();
  const trainer = await createTrainer({
    modelDir: dir,
    backend,
    replicas: 1,
    topK: [1],
  });
  const images = new Float32Array(BATCH * size * size * 3).map((_, i) =>
    Math.sin(i * 0.37)
  );
  const labels = Int32Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  const times: number[] = [];
  const losses: number[] = [];
  for (let i = 0; i < WARMUP + STEPS; i++) {
    const start = performance.now();
    const { loss } = await trainer.step(images, labels, 1e-3);
    losses.push(loss);
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  await trainer.dispose();
  await Deno.remove(dir, { recursive: true });
  const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  return {
    imgPerS: BATCH / (ms / 1000),
    lossFirst: losses[0],
    lossLast: losses[losses.length - 1],
  };
}

async function peer(size: number): Promise<number | undefined> {
  try {
    const script =
      new URL("./peers/torch_cuda_step.py", import.meta.url).pathname;
    const { code, stdout } = await new Deno.Command(args.python!, {
      args: [
        script,
        "--peer",
        args.peer!,
        "--model",
        "efficientnet_v2_b0",
        "--size",
        String(size),
        "--batch",
        String(BATCH),
        "--steps",
        String(STEPS),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (code !== 0) return undefined;
    const lines = new TextDecoder().decode(stdout).trim().split("\n");
    return JSON.parse(lines[lines.length - 1]).img_per_s;
  } catch {
    return undefined;
  }
}

console.log(
  `\nEfficientNetV2-B0 + ArcFace (${CLASSES} classes), batch ${BATCH}, float32, median of ${STEPS} steps after ${WARMUP}:`,
);
console.log(
  "size  ours img/s  loss first→last  PyTorch CUDA img/s  ours/PyTorch",
);
for (const size of args.sizes!.split(",").map(Number)) {
  const result = await ours(size);
  const theirs = await peer(size);
  console.log(
    `${String(size).padStart(4)}  ${result.imgPerS.toFixed(1).padStart(10)}  ${
      result.lossFirst.toFixed(2)
    }→${result.lossLast.toFixed(2)}` +
      `${(theirs === undefined ? "n/a" : theirs.toFixed(1)).padStart(20)}  ${
        theirs === undefined ? "" : (result.imgPerS / theirs).toFixed(2)
      }`,
  );
}
