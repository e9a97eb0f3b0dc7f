/**
 * Chooses and loads the TensorFlow.js backend that trains the model.
 *
 * `auto` takes the first usable of: `tensorflow-gpu`, `tensorflow` (the
 * native libtensorflow bindings, when their npm package is installed *and*
 * its native library is present), `webgpu` on a hardware adapter that a
 * measured probe finds faster than wasm here (kernels/webgpu/adapter_probe.ts;
 * a CPU adapter such as llvmpipe, lavapipe or SwiftShader is never taken),
 * then `wasm` (XNNPACK with SIMD, plus this project's training kernels: see
 * wasm_training_kernels.ts and fused_batch_norm.ts). `cpu` (plain
 * JavaScript) is always available.
 *
 * `webgpu` runs this project's WebGPU kernels (kernels/webgpu/: implicit-GEMM
 * convolutions and their gradients, depthwise kernels with split reductions,
 * fused BatchNorm, SiLU, ArcFace margin and Adam) over tfjs-webgpu 4.22,
 * whose own gradient kernels trained EfficientNetV2-B0 (128 px, batch 32)
 * at 1.7 images/s on an NVIDIA H200 against 1,076 for PyTorch on CUDA.
 *
 * {@linkcode probeBackend} resolves `auto` without loading tfjs (it only
 * checks files), so the runner can put the backend in a stage's cache key
 * cheaply.
 * {@linkcode useBackend} loads and activates it and returns the
 * {@linkcode BackendFacts} for the cache key and the report.
 *
 * The native packages are optional: they are not in deno.json, because their
 * install script downloads libtensorflow, which fails where that download is
 * not reachable, and would break `deno install` for everyone. They are looked
 * up in node_modules first and imported through a computed specifier.
 *
 * Precision: the notebook trains in mixed bfloat16 on TPU. tfjs has no
 * bfloat16 (nor float16 training); every backend here trains in float32.
 *
 * @module
 */
import { HintedError } from "../hinted_error.ts";
import {
  isCpuAdapter,
  measureWebGpu,
  type WebGpuSpeed,
  webgpuVerdict,
} from "./kernels/webgpu/adapter_probe.ts";

/** A backend name as written in pipeline.yaml. */
export type BackendName =
  | "auto"
  | "tensorflow-gpu"
  | "tensorflow"
  | "webgpu"
  | "wasm"
  | "cpu";

/** A concrete backend (what `auto` resolves to). */
export type ResolvedBackend = Exclude<BackendName, "auto">;

/** Every accepted backend name, in `auto`'s order of preference after "auto". */
export const BACKEND_NAMES: readonly BackendName[] = [
  "auto",
  "tensorflow-gpu",
  "tensorflow",
  "webgpu",
  "wasm",
  "cpu",
];

/** The tfjs version this project pins (deno.json); the native packages must match it. */
export const TFJS_VERSION = "4.22.0";

/** What changes results: goes into the train stage's cache key and its report. */
export interface BackendFacts {
  /** The backend that runs. */
  backend: ResolvedBackend;
  /** Versions of the tfjs packages in use. */
  tfjs: string;
  /** The WebGPU adapter's description, for `webgpu`. */
  adapter?: string;
}

/** A probe's answer: the backend `auto` (or the requested name) resolves to. */
export interface BackendProbe {
  /** The backend that would be used. */
  backend: ResolvedBackend;
  /** The WebGPU adapter's description, for `webgpu`. */
  adapter?: string;
  /** Why each better candidate was passed over (for `auto`), in order. */
  skipped: string[];
}

/** Options of {@linkcode probeBackend} and {@linkcode useBackend}. */
export interface BackendOptions {
  /** Where npm packages are installed. @default the project's node_modules/ */
  nodeModulesDir?: string;
  /** The WebGPU entry point. @default `navigator.gpu` */
  gpu?: GPU | null;
  /** Measures a hardware adapter for `auto` (tests inject one). @default kernels/webgpu/adapter_probe.ts's */
  measureWebGpu?: (adapter: GPUAdapter) => Promise<WebGpuSpeed>;
  /** CPU cores wasm would train on. @default `navigator.hardwareConcurrency` */
  cores?: number;
}

/** A backend that was asked for explicitly cannot run here. */
export class BackendUnavailableError extends HintedError {
  override name = "BackendUnavailableError";
  /**
   * @param backend the backend asked for
   * @param hint what to do about it
   */
  constructor(
    message: string,
    readonly backend: ResolvedBackend,
    hint: string,
    options?: ErrorOptions,
  ) {
    super(message, { hint, cause: options?.cause });
  }
}

/** The optional native TensorFlow packages: a stage that may load them declares them as ffi packages. */
export const NATIVE_TFJS_PACKAGES = [
  "@tensorflow/tfjs-node-gpu",
  "@tensorflow/tfjs-node",
] as const;

const NATIVE_PACKAGE: Record<"tensorflow-gpu" | "tensorflow", string> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  "tensorflow": "@tensorflow/tfjs-node",
};

/**
 * Resolves `requested` to a concrete backend without loading tfjs.
 *
 * @throws {BackendUnavailableError} when an explicitly requested backend cannot run
 */
export async function probeBackend(
  requested: BackendName,
  options: BackendOptions = {},
): Promise<BackendProbe> {
  if (requested !== "auto") {
    const problem = await unavailability(requested, options);
    if (typeof problem === "object") throw problem;
    return {
      backend: requested,
      skipped: [],
      ...(problem === undefined ? {} : { adapter: problem }),
    };
  }
  const skipped: string[] = [];
  for (const candidate of ["tensorflow-gpu", "tensorflow"] as const) {
    const problem = await unavailability(candidate, options);
    if (typeof problem === "object") {
      skipped.push(problem.message.split(". ")[0]);
      continue;
    }
    return {
      backend: candidate,
      skipped,
      ...(problem === undefined ? {} : { adapter: problem }),
    };
  }
  const webgpu = await webgpuForAuto(options);
  if (webgpu.adapter !== undefined) {
    return { backend: "webgpu", adapter: webgpu.adapter, skipped };
  }
  skipped.push(webgpu.reason);
  return { backend: "wasm", skipped };
}

/**
 * Loads, registers and activates the backend; returns its facts.
 *
 * @throws {BackendUnavailableError} when the backend cannot be loaded
 */
export async function useBackend(
  requested: BackendName,
  options: BackendOptions = {},
): Promise<BackendFacts> {
  const probe = await probeBackend(requested, options);
  const tf = await import("@tensorflow/tfjs-core");
  // Production mode: no debug warnings, among them the cpu backend's
  // "install our node backend" banner, which is not advice for Deno.
  tf.enableProdMode();
  // tfjs-layers' bundle registers every op gradient (tfjs-core alone has none).
  await import("@tensorflow/tfjs-layers");
  switch (probe.backend) {
    case "tensorflow-gpu":
    case "tensorflow":
      await importNative(probe.backend);
      break;
    case "webgpu": {
      await import("@tensorflow/tfjs-backend-webgpu");
      const { registerWebGpuTrainingKernels } = await import(
        "./kernels/webgpu/webgpu_training_kernels.ts"
      );
      registerWebGpuTrainingKernels();
      break;
    }
    case "wasm": {
      await import("@tensorflow/tfjs-backend-wasm");
      const { registerWasmTrainingKernels } = await import(
        "./kernels/wasm_training_kernels.ts"
      );
      const { registerFusedBatchNorm } = await import(
        "./kernels/fused_batch_norm.ts"
      );
      const { registerFusedSwish } = await import("./kernels/fused_swish.ts");
      registerWasmTrainingKernels();
      registerFusedBatchNorm();
      registerFusedSwish();
      break;
    }
    case "cpu":
      await import("@tensorflow/tfjs-backend-cpu");
      break;
  }
  const tfjsName = probe.backend === "tensorflow-gpu"
    ? "tensorflow"
    : probe.backend;
  if (!(await tf.setBackend(tfjsName))) {
    throw new BackendUnavailableError(
      `Cannot initialise tfjs backend "${probe.backend}": setBackend("${tfjsName}") returned false`,
      probe.backend,
      'Choose another backend, e.g. "wasm"',
    );
  }
  if (probe.backend === "webgpu") {
    const { prepareWebGpuBackend } = await import(
      "./kernels/webgpu/webgpu_training_kernels.ts"
    );
    prepareWebGpuBackend(tf.backend());
  }
  return {
    backend: probe.backend,
    tfjs: tf.version_core,
    ...(probe.adapter ? { adapter: probe.adapter } : {}),
  };
}

/**
 * Why `backend` cannot run (an error), or undefined when it can, or the
 * adapter description for a usable webgpu.
 */
async function unavailability(
  backend: ResolvedBackend,
  options: BackendOptions,
): Promise<BackendUnavailableError | string | undefined> {
  switch (backend) {
    case "tensorflow-gpu":
    case "tensorflow":
      return await nativeUnavailability(backend, options);
    case "webgpu":
      return await webgpuUnavailability(options);
    case "wasm":
    case "cpu":
      return undefined;
  }
}

function nodeModulesDir(options: BackendOptions): string {
  return options.nodeModulesDir ??
    new URL("../../node_modules", import.meta.url).pathname;
}

async function nativeUnavailability(
  backend: "tensorflow-gpu" | "tensorflow",
  options: BackendOptions,
): Promise<BackendUnavailableError | undefined> {
  const pkg = NATIVE_PACKAGE[backend];
  const dir = `${nodeModulesDir(options)}/${pkg}`;
  const install =
    `deno add npm:${pkg}@${TFJS_VERSION} && deno install --allow-scripts=npm:${pkg}`;
  const needs = backend === "tensorflow-gpu"
    ? " It needs Linux x86-64 with an NVIDIA GPU, CUDA 11.2 and cuDNN 8.1."
    : "";
  const hint =
    `To use it, on a machine whose install scripts can download libtensorflow, run: ${install}.${needs}` +
    ' Otherwise choose "wasm" (or "auto")';
  if (!(await exists(`${dir}/package.json`))) {
    return new BackendUnavailableError(
      `Cannot use backend "${backend}": npm package ${pkg} is not installed in "${
        nodeModulesDir(options)
      }"`,
      backend,
      hint,
    );
  }
  if (!(await hasNativeBinding(dir))) {
    return new BackendUnavailableError(
      `Cannot use backend "${backend}": ${pkg} is installed but its native library is missing (its install script did not run or could not download libtensorflow)`,
      backend,
      hint,
    );
  }
  return undefined;
}

/** tfjs-node's install script puts the binding in lib/napi-v<N>/tfjs_binding.node. */
async function hasNativeBinding(packageDir: string): Promise<boolean> {
  try {
    for await (const entry of Deno.readDir(`${packageDir}/lib`)) {
      if (entry.isDirectory && entry.name.startsWith("napi-v")) {
        if (await exists(`${packageDir}/lib/${entry.name}/tfjs_binding.node`)) {
          return true;
        }
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return false;
}

async function importNative(
  backend: "tensorflow-gpu" | "tensorflow",
): Promise<void> {
  // A computed specifier: deno install/check never try to resolve it.
  const specifier = [NATIVE_PACKAGE[backend], ""].join("");
  try {
    await import(specifier);
  } catch (cause) {
    throw new BackendUnavailableError(
      `Cannot load backend "${backend}": importing ${specifier} failed (${
        (cause as Error).message
      })`,
      backend,
      `Add it to deno.json with: deno add npm:${specifier}@${TFJS_VERSION}`,
      { cause },
    );
  }
}

async function webgpuUnavailability(
  options: BackendOptions,
): Promise<BackendUnavailableError | string> {
  const hint = 'Choose "wasm" (or "auto")';
  const gpu = options.gpu !== undefined
    ? options.gpu
    : (globalThis.navigator?.gpu ?? null);
  if (gpu === null) {
    return new BackendUnavailableError(
      'Cannot use backend "webgpu": this runtime exposes no navigator.gpu',
      "webgpu",
      hint,
    );
  }
  const adapter = await gpu.requestAdapter({
    powerPreference: "high-performance",
  });
  if (adapter === null) {
    return new BackendUnavailableError(
      'Cannot use backend "webgpu": no WebGPU adapter',
      "webgpu",
      hint,
    );
  }
  const info = adapter.info;
  return [info.vendor, info.architecture, info.device, info.description]
    .filter((s) => s).join(" ");
}

/** The adapter `auto` should train on, or why not. */
async function webgpuForAuto(
  options: BackendOptions,
): Promise<
  { adapter: string; reason?: never } | { adapter?: never; reason: string }
> {
  const problem = await webgpuUnavailability(options).catch((e: Error) => e);
  if (typeof problem !== "string") {
    return {
      reason: `Backend "webgpu" passed over: ${
        problem.message.replace(/^Cannot use backend "webgpu": /, "")
      }`,
    };
  }
  const gpu = options.gpu !== undefined ? options.gpu : navigator.gpu;
  const adapter = (await gpu!.requestAdapter({
    powerPreference: "high-performance",
  }))!;
  if (isCpuAdapter(adapter.info)) {
    return {
      reason:
        `Backend "webgpu" passed over: "${problem}" is a CPU adapter (slower than wasm)`,
    };
  }
  try {
    const speed = await (options.measureWebGpu ?? measureWebGpu)(adapter);
    const cores = options.cores ?? navigator.hardwareConcurrency ?? 1;
    const verdict = webgpuVerdict(speed, cores);
    if (verdict.faster) return { adapter: problem };
    return {
      reason:
        `Backend "webgpu" passed over: on "${problem}" it would train about ${
          verdict.webgpuImagesPerSecond.toFixed(0)
        } images/s against wasm's ${
          verdict.wasmImagesPerSecond.toFixed(0)
        } (measured ${speed.dispatchMs.toFixed(3)} ms a dispatch, ${
          speed.gflops.toFixed(0)
        } GFLOP/s)`,
    };
  } catch (error) {
    return {
      reason: `Backend "webgpu" passed over: measuring "${problem}" failed (${
        (error as Error).message
      })`,
    };
  }
}

/** Whether `path` exists (a path we may not read counts as absent). */
async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.NotCapable ||
      error instanceof Deno.errors.PermissionDenied
    ) {
      return false;
    }
    throw error;
  }
}
