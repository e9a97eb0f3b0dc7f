import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { KerasAdam } from "../../../../lib/nn/train/keras_adam.ts";
import { assertClose, values } from "../_compare.ts";

const LRS = [1e-2, 5e-3, 2e-3];

/** Keras's Adam, written out in double precision. */
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

/** Runs 3 steps on two variables; with `resumeAfter`, saves and restores the state into a new optimizer there. */
async function run(
  backend: string,
  resumeAfter?: number,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const a = tf.tidy(() => tf.variable(tf.tensor(values(37, 1), [37])));
  const b = tf.tidy(() => tf.variable(tf.tensor(values(6, 2), [2, 3])));
  let opt = new KerasAdam();
  for (let step = 0; step < 3; step++) {
    if (step === resumeAfter) {
      const weights = await opt.getWeights();
      const saved = weights.map((w) => ({
        name: w.name,
        tensor: tf.clone(w.tensor),
      }));
      opt.dispose();
      opt = new KerasAdam();
      await opt.setWeights(saved);
      tf.dispose(saved.map((s) => s.tensor));
    }
    opt.learningRate = LRS[step];
    const grads = [
      tf.tensor(values(37, 10 + step), [37]),
      tf.tensor(values(6, 20 + step), [2, 3]),
    ];
    opt.applyGradients([{ name: a.name, tensor: grads[0] }, {
      name: b.name,
      tensor: grads[1],
    }]);
    tf.dispose(grads);
  }
  const out = [await a.data(), await b.data()] as Float32Array[];
  opt.dispose();
  tf.dispose([a, b]);
  return out;
}

Deno.test("KerasAdam follows Keras's update rule on cpu (tfjs ops) and on wasm (fused kernel)", async () => {
  const want = [
    reference(values(37, 1), [0, 1, 2].map((s) => values(37, 10 + s))),
    reference(values(6, 2), [0, 1, 2].map((s) => values(6, 20 + s))),
  ];
  for (const backend of ["cpu", "wasm"]) {
    assertClose(await run(backend), want, 1e-6, `KerasAdam on ${backend}`);
  }
});

Deno.test("KerasAdam.setWeights() continues exactly where getWeights() left off", async () => {
  for (const backend of ["cpu", "wasm"]) {
    const straight = await run(backend);
    const resumed = await run(backend, 2);
    assertClose(resumed, straight, 1e-12, `resumed on ${backend}`);
  }
});

Deno.test("KerasAdam leaves no tensor behind after dispose()", async () => {
  await tf.setBackend("wasm");
  const before = tf.memory().numTensors;
  await run("wasm");
  if (tf.memory().numTensors !== before) {
    throw new Error(`${tf.memory().numTensors - before} tensors left`);
  }
});
