/**
 * `deno task bench gpu`: training images/s (forward + backward + Adam) of
 * EfficientNetV2 + ArcFace on the webgpu backend with this project's
 * kernels, on whatever adapter Deno finds, with the per-kernel GPU profile
 * of one step; on a hardware GPU next to PyTorch on CUDA in the same run
 * (bench/peers/torch_cuda_step.py, when python3 has torch with CUDA).
 *
 * Defaults: on a GPU, B0 at 128 px and V2-S at 384 px, batch 32; on a CPU
 * adapter (lavapipe on CI machines) B0 at 64 px, batch 4, so kernel changes
 * can be compared there too. It also measures the adapter's dispatch cost
 * and multiply-add rate, and says what `backend: auto` would choose.
 *
 * Options: --configs b0:128,s:384  --batch 32  --steps 10  --warmup 3
 *          --profile true  --peer <torch_train_step.py>  --python python3
 *          --cuda-peer <torch_cuda_step.py>  --json <file> (the results as JSON)
 *
 * @module
 */
import { planEfficientNetV2 } from "../lib/nn/model/efficientnetv2/plan.ts";
import { parseCliArgs } from "../cli/parse_args.ts";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

// No tfjs debug banners (the cpu backend suggests tfjs-node, not advice for Deno).
tf.enableProdMode();
import { buildRetrievalModel } from "../lib/nn/model/retrieval_model.ts";
import { saveModel } from "../lib/nn/model/model_io.ts";
import { createTrainer } from "../lib/nn/train/trainer.ts";
import type { StepOutcome } from "../lib/nn/train/trainer_interface.ts";
import { probeBackend } from "../lib/nn/backend.ts";
import {
  dispatchCost,
  fmaRate,
  isCpuAdapter,
} from "../lib/nn/kernels/webgpu/adapter_probe.ts";
import {
  type GpuProfile,
  profileGpuKernels,
} from "../lib/nn/kernels/webgpu/gpu_profile.ts";
import { dispatcherOf } from "../lib/nn/kernels/webgpu/_dispatcher.ts";
import { asWebGpu } from "../lib/nn/kernels/webgpu/_webgpu_backend.ts";

const here = (path: string) => new URL(path, import.meta.url).pathname;
const { values: args } = parseCliArgs(Deno.args, {
  configs: { type: "string" },
  batch: { type: "string" },
  steps: { type: "string" },
  warmup: { type: "string" },
  profile: { type: "string", default: "true" },
  peer: { type: "string" },
  "cuda-peer": { type: "string", default: here("./peers/torch_cuda_step.py") },
  python: { type: "string", default: "python3" },
  json: { type: "string" },
});
const CLASSES = 10;
const VARIANTS: Record<string, { variant: "b0" | "s"; torch: string }> = {
  b0: { variant: "b0", torch: "efficientnet_v2_b0" },
  s: { variant: "s", torch: "efficientnet_v2_s" },
};

const adapter = await navigator.gpu?.requestAdapter({
  powerPreference: "high-performance",
}).catch(() => null);
if (!adapter) {
  console.log("no WebGPU adapter on this machine: nothing to measure");
  Deno.exit(0);
}
const cpuAdapter = isCpuAdapter(adapter.info);
const adapterName = [
  adapter.info.vendor,
  adapter.info.architecture,
  adapter.info.device,
  adapter.info.description,
].filter((s) => s).join(" ");
const batch = Number(args.batch ?? (cpuAdapter ? 4 : 32));
const steps = Number(args.steps ?? (cpuAdapter ? 2 : 10));
const warmup = Number(args.warmup ?? (cpuAdapter ? 1 : 3));
const configs = (args.configs ?? (cpuAdapter ? "b0:64" : "b0:128,s:384"))
  .split(",").map((c) => {
    const [name, size] = c.split(":");
    if (!(name in VARIANTS) || !(Number(size) > 0)) {
      throw new RangeError(
        `Cannot benchmark "${c}": give model:size with model b0 or s`,
      );
    }
    return { name, size: Number(size) };
  });
console.log(
  `webgpu adapter: ${adapterName}${
    cpuAdapter ? " (a CPU adapter: figures for comparing kernels only)" : ""
  }`,
);

// The adapter itself: what a dispatch costs, what multiply-adds run at.
const device = await adapter.requestDevice();
const costs: Record<string, number> = {};
for (const perSubmit of [15, 64, 128, 512]) {
  costs[perSubmit] = await dispatchCost(device, 2000, perSubmit);
}
const gflops = cpuAdapter ? NaN : await fmaRate(device);
device.destroy();
console.log(
  `dispatch cost (2,000 dependent dispatches, raw WebGPU): ${
    Object.entries(costs).map(([n, ms]) =>
      `${(ms * 1000).toFixed(0)} us at ${n} per submit`
    ).join(", ")
  }${cpuAdapter ? "" : `; multiply-add rate ${gflops.toFixed(0)} GFLOP/s`}`,
);
const auto = await probeBackend("auto");
console.log(
  `backend auto -> ${auto.backend}${
    auto.skipped.length ? ` (${auto.skipped.join("; ")})` : ""
  }`,
);

interface Result {
  model: string;
  size: number;
  batch: number;
  imagesPerSecond: number;
  stepMs: number;
  lossFirst: number;
  lossLast: number;
  torchImagesPerSecond?: number;
  profile?: Omit<GpuProfile<unknown>, "result">;
  cache?: Record<string, number>;
}

async function ours(name: string, size: number): Promise<Result> {
  const dir = await Deno.makeTempDir({ prefix: `gpu_bench_${name}_${size}_` });
  await tf.setBackend("cpu");
  const model = buildRetrievalModel({
    backbone: planEfficientNetV2({ variant: VARIANTS[name].variant }),
    imgSize: size,
    classes: CLASSES,
    seed: 1,
  });
  await saveModel(model, dir);
  model.dispose();
  const trainer = await createTrainer({ modelDir: dir, backend: "webgpu" });
  const images = new Float32Array(batch * size * size * 3).map((_, i) =>
    Math.sin(i * 0.37)
  );
  const labels = Int32Array.from({ length: batch }, (_, i) => i % CLASSES);
  const losses: number[] = [];
  // As fit() runs them: up to `lag` steps ahead of their readback.
  const run = async (count: number) => {
    const pending: Promise<StepOutcome>[] = [];
    for (let i = 0; i < count; i++) {
      pending.push(trainer.step(images, labels, 1e-3));
      if (pending.length > (trainer.lag ?? 0)) {
        losses.push((await pending.shift()!).loss);
      }
    }
    for (const p of pending) losses.push((await p).loss);
  };
  await run(warmup);
  const dispatcher = dispatcherOf(asWebGpu(tf.backend()));
  const before = { ...dispatcher.stats };
  const start = performance.now();
  await run(steps);
  const stepMs = (performance.now() - start) / steps;
  const cache = Object.fromEntries(
    Object.entries(dispatcher.stats).map((
      [k, v],
    ) => [k, v - before[k as keyof typeof before]]),
  );
  let profile: Result["profile"];
  if (args.profile !== "false") {
    const { result: _, ...rest } = await profileGpuKernels(() =>
      trainer.step(images, labels, 1e-3)
    );
    profile = rest;
  }
  await trainer.dispose();
  await Deno.remove(dir, { recursive: true });
  return {
    model: name,
    size,
    batch,
    imagesPerSecond: batch / (stepMs / 1000),
    stepMs,
    lossFirst: losses[0],
    lossLast: losses[losses.length - 1],
    profile,
    cache,
  };
}

async function torchCuda(
  name: string,
  size: number,
): Promise<number | undefined> {
  const peer = args.peer ?? [
    here("../.gl/peers/torch_train_step.py"),
    here("../../shared/peers/torch_train_step.py"),
  ].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (peer === undefined) {
    console.log("  PyTorch peer: torch_train_step.py not found (--peer)");
    return undefined;
  }
  try {
    const { code, stdout } = await new Deno.Command(args.python!, {
      args: [
        args["cuda-peer"]!,
        "--peer",
        peer,
        "--model",
        VARIANTS[name].torch,
        "--size",
        String(size),
        "--batch",
        String(batch),
        "--steps",
        String(steps),
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (code !== 0) return undefined;
    const lines = new TextDecoder().decode(stdout).trim().split("\n");
    return JSON.parse(lines[lines.length - 1]).img_per_s;
  } catch (error) {
    console.log(`  PyTorch peer: ${(error as Error).message}`);
    return undefined;
  }
}

function printProfile(profile: NonNullable<Result["profile"]>): void {
  const total = profile.gpuMs;
  console.log(
    `  per-kernel profile of one step (each dispatch timed in its own pass): ${profile.dispatches} dispatches, GPU ${
      total.toFixed(1)
    } ms, wall ${profile.wallMs.toFixed(0)} ms`,
  );
  console.log(
    "  kernel                                  calls  disp    GPU ms  share    CPU ms",
  );
  const rows = profile.kernels.slice(0, 18);
  const rest = profile.kernels.slice(18);
  const line = (
    k: string,
    calls: number,
    disp: number,
    gpu: number,
    cpu: number,
  ) =>
    console.log(
      `  ${k.padEnd(38)} ${String(calls).padStart(6)} ${
        String(disp).padStart(5)
      } ${gpu.toFixed(2).padStart(9)} ${
        (100 * gpu / total).toFixed(1).padStart(5)
      }% ${cpu.toFixed(2).padStart(9)}`,
    );
  for (const k of rows) line(k.kernel, k.calls, k.dispatches, k.gpuMs, k.cpuMs);
  if (rest.length > 0) {
    const sum = (f: (k: (typeof rest)[number]) => number) =>
      rest.reduce((s, k) => s + f(k), 0);
    line(
      `(${rest.length} others)`,
      sum((k) => k.calls),
      sum((k) => k.dispatches),
      sum((k) => k.gpuMs),
      sum((k) => k.cpuMs),
    );
  }
}

const results: Result[] = [];
for (const { name, size } of configs) {
  console.log(
    `\nEfficientNetV2-${name.toUpperCase()} + ArcFace (${CLASSES} classes) at ${size} px, batch ${batch}, float32, ${steps} steps after ${warmup}:`,
  );
  const result = await ours(name, size);
  if (!cpuAdapter) result.torchImagesPerSecond = await torchCuda(name, size);
  results.push(result);
  const c = result.cache!;
  console.log(
    `  ours: ${result.imagesPerSecond.toFixed(1)} img/s (${
      result.stepMs.toFixed(0)
    } ms a step, loss ${result.lossFirst.toFixed(3)} -> ${
      result.lossLast.toFixed(3)
    }); ${(c.dispatches / steps).toFixed(0)} dispatches a step, ${
      (c.submits / steps).toFixed(0)
    } submits, bind groups reused ${
      (100 * c.bindGroupHits / Math.max(1, c.bindGroupHits + c.bindGroupMisses))
        .toFixed(1)
    }%, uniform buffers ${
      (100 * c.uniformHits / Math.max(1, c.uniformHits + c.uniformMisses))
        .toFixed(1)
    }%`,
  );
  if (result.torchImagesPerSecond !== undefined) {
    console.log(
      `  PyTorch CUDA: ${
        result.torchImagesPerSecond.toFixed(1)
      } img/s; ours/PyTorch ${
        (result.imagesPerSecond / result.torchImagesPerSecond).toFixed(3)
      }`,
    );
  } else if (!cpuAdapter) console.log("  PyTorch CUDA: n/a");
  if (result.profile) printProfile(result.profile);
}

console.log(
  `\nsummary (${adapterName}):\nmodel  size  batch  ours img/s  PyTorch CUDA img/s  ours/PyTorch`,
);
for (const r of results) {
  const theirs = r.torchImagesPerSecond;
  console.log(
    `${r.model.padEnd(5)} ${String(r.size).padStart(5)} ${
      String(r.batch).padStart(6)
    } ${r.imagesPerSecond.toFixed(1).padStart(11)} ${
      (theirs === undefined ? "n/a" : theirs.toFixed(1)).padStart(19)
    } ${
      (theirs === undefined ? "" : (r.imagesPerSecond / theirs).toFixed(3))
        .padStart(13)
    }`,
  );
}
if (args.json) {
  await Deno.writeTextFile(
    args.json,
    JSON.stringify(
      { adapter: adapterName, cpuAdapter, costs, gflops, auto, results },
      null,
      1,
    ),
  );
}
