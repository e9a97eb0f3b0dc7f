import * as tf from "@tensorflow/tfjs-core";
import { KerasAdam } from "../../../../../lib/nn/train/keras_adam.ts";
import { applyAdam } from "../../../../../lib/nn/kernels/webgpu/adam.ts";
import { asWebGpu } from "../../../../../lib/nn/kernels/webgpu/_webgpu_backend.ts";
import { profileGpuKernels } from "../../../../../lib/nn/kernels/webgpu/gpu_profile.ts";
import { gpuTest, values } from "./_webgpu.ts";
import { assertClose } from "../../_compare.ts";

const LRS = [1e-2, 5e-3, 2e-3];
// 21 variables of mixed sizes (several per dispatch), one larger than
// 4096 workgroups x 256 invocations (covered by striding).
const SIZES = [
  ...Array.from({ length: 20 }, (_, i) => 1 + ((i * 37) % 300)),
  1 << 20 | 3,
];

/** Keras's Adam in double precision. */
function reference(p0: Float32Array, grads: Float32Array[]): Float64Array {
  const p = Float64Array.from(p0),
    m = new Float64Array(p.length),
    v = new Float64Array(p.length);
  grads.forEach((g, step) => {
    const t = step + 1,
      lrT = LRS[step] * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t);
    for (let i = 0; i < p.length; i++) {
      m[i] += (g[i] - m[i]) * 0.1;
      v[i] += (g[i] * g[i] - v[i]) * 0.001;
      p[i] -= lrT * m[i] / (Math.sqrt(v[i]) + 1e-7);
    }
  });
  return p;
}

async function run(resumeAfter?: number): Promise<Float32Array[]> {
  await tf.setBackend("webgpu");
  const vars = SIZES.map((n, i) =>
    tf.tidy(() => tf.variable(tf.tensor(values(n, 1 + i))))
  );
  let opt = new KerasAdam();
  for (let step = 0; step < 3; step++) {
    if (step === resumeAfter) {
      const saved = (await opt.getWeights()).map((w) => ({
        name: w.name,
        tensor: tf.clone(w.tensor),
      }));
      opt.dispose();
      opt = new KerasAdam();
      await opt.setWeights(saved);
      tf.dispose(saved.map((s) => s.tensor));
    }
    opt.learningRate = LRS[step];
    const grads = SIZES.map((n, i) => tf.tensor(values(n, 100 * step + i)));
    opt.applyGradients(
      vars.map((v, i) => ({ name: v.name, tensor: grads[i] })),
    );
    tf.dispose(grads);
  }
  const out = await Promise.all(vars.map((v) => v.data())) as Float32Array[];
  opt.dispose();
  tf.dispose(vars);
  return out;
}

gpuTest(
  "KerasAdam on webgpu follows Keras's update rule, in fused dispatches",
  async () => {
    const want = SIZES.map((n, i) =>
      reference(values(n, 1 + i), [0, 1, 2].map((s) => values(n, 100 * s + i)))
    );
    const { result, kernels } = await profileGpuKernels(() => run());
    assertClose(result, want, 1e-6, "KerasAdam on webgpu");
    const elementwise = kernels.filter((k) =>
      /^(Mul|Sub|Add|Sqrt)/.test(k.kernel)
    );
    if (elementwise.some((k) => k.dispatches > 0)) {
      throw new Error(`tfjs ops ran: ${elementwise.map((k) => k.kernel)}`);
    }
  },
);

gpuTest(
  "KerasAdam.setWeights() on webgpu continues exactly where getWeights() left off",
  async () => {
    assertClose(await run(2), await run(), 1e-12, "resumed on webgpu");
  },
);

gpuTest(
  "KerasAdam on webgpu leaves tensors that shared a variable's data unchanged",
  async () => {
    await tf.setBackend("webgpu");
    const v = tf.variable(tf.tensor([1, 2, 3]));
    const alias = tf.clone(v); // webgpu's Identity shares the buffer
    const opt = new KerasAdam({ learningRate: 0.1 });
    opt.applyGradients([{ name: v.name, tensor: tf.tensor([1, 1, 1]) }]);
    const [moved, kept] = [await v.data(), await alias.data()];
    if (!(moved[0] < 1) || kept[0] !== 1) {
      throw new Error(`variable ${moved}, alias ${kept}`);
    }
    opt.dispose();
    tf.dispose([v, alias]);
  },
);

gpuTest(
  "applyAdam() with a non-finite guard leaves everything unchanged",
  async () => {
    await tf.setBackend("webgpu");
    const backend = asWebGpu(tf.backend());
    for (
      const [loss, moves] of [[NaN, false], [Infinity, false], [
        2.5,
        true,
      ]] as const
    ) {
      const [p, g, m, v] = [[1, 2], [1, 1], [0, 0], [0, 0]].map((x) =>
        tf.tensor(x)
      );
      applyAdam(backend, [{ param: p, grad: g, m, v }], {
        lrT: 0.1,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
      }, tf.scalar(loss));
      const changed = (await p.data())[0] !== 1 && (await m.data())[0] !== 0;
      if (changed !== moves) {
        throw new Error(
          `loss ${loss}: changed ${changed}`,
        );
      }
      tf.dispose([p, g, m, v]);
    }
  },
);
