import {
  dispatchCost,
  isCpuAdapter,
  webgpuVerdict,
} from "../../../../../lib/nn/kernels/webgpu/adapter_probe.ts";
import { gpuTest } from "./_webgpu.ts";

Deno.test("isCpuAdapter() tells software adapters from GPUs", () => {
  const cpu = [
    { vendor: "65541", description: "llvmpipe (LLVM 15.0.6, 256 bits)" },
    { vendor: "Google", description: "SwiftShader Device (Subzero)" },
    { description: "Microsoft Basic Render Driver" },
    { vendor: "nvidia", isFallbackAdapter: true },
  ];
  const gpu = [
    { vendor: "nvidia", architecture: "hopper", description: "NVIDIA H200" },
    { vendor: "amd", architecture: "rdna-3", description: "" },
    { vendor: "intel", architecture: "gen-12lp", description: "" },
  ];
  for (const info of cpu) {
    if (!isCpuAdapter(info)) {
      throw new Error(`${JSON.stringify(info)} is a CPU adapter`);
    }
  }
  for (const info of gpu) {
    if (isCpuAdapter(info)) throw new Error(`${JSON.stringify(info)} is a GPU`);
  }
});

Deno.test("webgpuVerdict() weighs dispatch cost and compute against wasm on the cores there", () => {
  const h200 = { dispatchMs: 0.02, gflops: 50_000 };
  const cheap = webgpuVerdict(h200, 16);
  if (!cheap.faster || cheap.wasmImagesPerSecond !== 128) {
    throw new Error(JSON.stringify(cheap));
  }
  // At 0.18 ms a dispatch (tfjs's path on the H200) the dispatches alone take 189 ms.
  const costly = webgpuVerdict({ ...h200, dispatchMs: 0.18 }, 16);
  if (costly.faster || Math.round(costly.webgpuImagesPerSecond) !== 162) {
    throw new Error(JSON.stringify(costly));
  }
  // A weak GPU on a 2-core machine still beats 32 images/s twice over.
  if (!webgpuVerdict({ dispatchMs: 0.05, gflops: 2_000 }, 2).faster) {
    throw new Error("a small GPU on 2 cores should win");
  }
});

gpuTest(
  "dispatchCost() measures this adapter's cost per dispatch",
  async () => {
    const adapter = (await navigator.gpu.requestAdapter())!;
    const device = await adapter.requestDevice();
    try {
      const ms = await dispatchCost(device, 400, 64);
      if (!(ms > 0 && ms < 50)) throw new Error(`${ms} ms a dispatch`);
    } finally {
      device.destroy();
    }
  },
);
