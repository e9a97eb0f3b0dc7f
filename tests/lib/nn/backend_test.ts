import {
  BackendUnavailableError,
  probeBackend,
  TFJS_VERSION,
  useBackend,
} from "../../../lib/nn/backend.ts";

async function rejects(
  promise: Promise<unknown>,
): Promise<BackendUnavailableError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BackendUnavailableError) return error;
    throw error;
  }
  throw new Error("expected a BackendUnavailableError");
}

function assertIncludes(text: string, part: string): void {
  if (!text.includes(part)) {
    throw new Error(
      `${JSON.stringify(text)} does not include ${JSON.stringify(part)}`,
    );
  }
}

/** A node_modules folder holding a fake tfjs-node package, with or without its native binding. */
async function fakeNodeModules(binding: boolean): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "backend_test_" });
  const pkg = `${dir}/@tensorflow/tfjs-node`;
  await Deno.mkdir(`${pkg}/lib/napi-v8`, { recursive: true });
  await Deno.writeTextFile(
    `${pkg}/package.json`,
    '{"name":"@tensorflow/tfjs-node","version":"4.22.0"}',
  );
  if (binding) {
    await Deno.writeFile(
      `${pkg}/lib/napi-v8/tfjs_binding.node`,
      new Uint8Array(),
    );
  }
  return dir;
}

Deno.test("useBackend('tensorflow') explains how to install tfjs-node when it is missing", async () => {
  const error = await rejects(
    useBackend("tensorflow", { nodeModulesDir: await Deno.makeTempDir() }),
  );
  assertIncludes(
    error.message,
    'Cannot use backend "tensorflow": npm package @tensorflow/tfjs-node is not installed',
  );
  assertIncludes(
    error.hint ?? "",
    `deno add npm:@tensorflow/tfjs-node@${TFJS_VERSION}`,
  );
  assertIncludes(
    error.hint ?? "",
    "deno install --allow-scripts=npm:@tensorflow/tfjs-node",
  );
  assertIncludes(error.hint ?? "", '"wasm"');
});

Deno.test("useBackend('tensorflow-gpu') names the CUDA requirement", async () => {
  const error = await rejects(
    useBackend("tensorflow-gpu", { nodeModulesDir: await Deno.makeTempDir() }),
  );
  assertIncludes(
    error.hint ?? "",
    "deno install --allow-scripts=npm:@tensorflow/tfjs-node-gpu",
  );
  assertIncludes(error.hint ?? "", "CUDA");
});

Deno.test("probeBackend('tensorflow') tells an installed package without its native library apart", async () => {
  const error = await rejects(
    probeBackend("tensorflow", {
      nodeModulesDir: await fakeNodeModules(false),
    }),
  );
  assertIncludes(error.message, "its native library is missing");
});

Deno.test("useBackend('tensorflow') reports a failed import of a package that looks complete", async () => {
  // The fake package passes the file checks, but it is not a dependency of this project.
  const error = await rejects(
    useBackend("tensorflow", { nodeModulesDir: await fakeNodeModules(true) }),
  );
  assertIncludes(
    error.message,
    'Cannot load backend "tensorflow": importing @tensorflow/tfjs-node failed',
  );
});

/** A WebGPU entry point with one adapter described by `info` (or none). */
function fakeGpu(info: Record<string, unknown> | null): GPU {
  return {
    requestAdapter: () => Promise.resolve(info === null ? null : { info }),
  } as unknown as GPU;
}

const H200 = {
  vendor: "nvidia",
  architecture: "hopper",
  device: "",
  description: "NVIDIA H200",
};

Deno.test("probeBackend('auto') passes over missing native packages and a CPU WebGPU adapter", async () => {
  const nodeModulesDir = await Deno.makeTempDir();
  const measured: string[] = [];
  for (
    const info of [
      { vendor: "65541", description: "llvmpipe (LLVM 15.0.6, 256 bits)" },
      { vendor: "mesa", description: "SwiftShader Device" },
      { ...H200, isFallbackAdapter: true },
    ]
  ) {
    const probe = await probeBackend("auto", {
      nodeModulesDir,
      gpu: fakeGpu(info),
      measureWebGpu: () => {
        measured.push(info.description);
        return Promise.resolve({ dispatchMs: 0.001, gflops: 1e5 });
      },
    });
    if (probe.backend !== "wasm") {
      throw new Error(`auto chose ${probe.backend}`);
    }
    if (probe.skipped.length !== 3) {
      throw new Error(`skipped ${JSON.stringify(probe.skipped)}`);
    }
    assertIncludes(probe.skipped[2], "is a CPU adapter");
  }
  if (measured.length > 0) throw new Error(`measured ${measured}`);
  const none = await probeBackend("auto", {
    nodeModulesDir,
    gpu: fakeGpu(null),
  });
  assertIncludes(
    none.skipped[2],
    'Backend "webgpu" passed over: no WebGPU adapter',
  );
});

Deno.test("probeBackend('auto') takes a hardware WebGPU adapter only when the measured probe says it is faster than wasm", async () => {
  const nodeModulesDir = await Deno.makeTempDir();
  const fast = await probeBackend("auto", {
    nodeModulesDir,
    gpu: fakeGpu(H200),
    cores: 16,
    measureWebGpu: () => Promise.resolve({ dispatchMs: 0.02, gflops: 50_000 }),
  });
  if (
    fast.backend !== "webgpu" || fast.adapter !== "nvidia hopper NVIDIA H200"
  ) {
    throw new Error(JSON.stringify(fast));
  }
  // 0.18 ms a dispatch: about 162 images/s, not twice wasm's 128 on 16 cores.
  const slow = await probeBackend("auto", {
    nodeModulesDir,
    gpu: fakeGpu(H200),
    cores: 16,
    measureWebGpu: () => Promise.resolve({ dispatchMs: 0.18, gflops: 50_000 }),
  });
  if (slow.backend !== "wasm") throw new Error(JSON.stringify(slow));
  assertIncludes(slow.skipped[2], "against wasm's 128");
  const broken = await probeBackend("auto", {
    nodeModulesDir,
    gpu: fakeGpu(H200),
    measureWebGpu: () => Promise.reject(new Error("device lost")),
  });
  assertIncludes(broken.skipped[2], "failed (device lost)");
});

Deno.test("probeBackend('webgpu') asked for explicitly takes any adapter and describes it", async () => {
  const hardware = {
    requestAdapter: () =>
      Promise.resolve({
        info: {
          vendor: "nvidia",
          architecture: "hopper",
          device: "",
          description: "NVIDIA H200",
        },
      }),
  } as unknown as GPU;
  const probe = await probeBackend("webgpu", { gpu: hardware });
  if (
    probe.backend !== "webgpu" || probe.adapter !== "nvidia hopper NVIDIA H200"
  ) {
    throw new Error(JSON.stringify(probe));
  }
  const none = {
    requestAdapter: () => Promise.resolve(null),
  } as unknown as GPU;
  const error = await rejects(probeBackend("webgpu", { gpu: none }));
  assertIncludes(
    error.message,
    'Cannot use backend "webgpu": no WebGPU adapter',
  );
});

Deno.test("useBackend('wasm') returns the facts for the cache key", async () => {
  const facts = await useBackend("wasm");
  if (
    JSON.stringify(facts) !==
      JSON.stringify({ backend: "wasm", tfjs: TFJS_VERSION })
  ) {
    throw new Error(JSON.stringify(facts));
  }
});
