import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-layers"; // registers all gradients
import { registerWasmTrainingKernels } from "../../../lib/nn/wasm_training_kernels.ts";

registerWasmTrainingKernels();

/** Deterministic pseudo-random values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

type Grads = (inputs: tf.Tensor[]) => tf.Tensor[];

/** Runs `grads` on both backends with the same inputs; returns the per-output max relative error. */
async function compare(shapes: number[][], grads: Grads): Promise<number[]> {
  const results: Float32Array[][] = [];
  for (const name of ["cpu", "wasm"]) {
    await tf.setBackend(name);
    const inputs = shapes.map((s, i) =>
      tf.tensor(values(s.reduce((a, b) => a * b, 1), 7 + i), s)
    );
    const outs = grads(inputs);
    results.push(
      await Promise.all(
        outs.map(async (t) => (await t.data()) as Float32Array),
      ),
    );
    tf.dispose([...inputs, ...outs]);
  }
  return results[0].map((want, i) => {
    const got = results[1][i];
    if (got.length !== want.length) {
      throw new Error(`length ${got.length} != ${want.length}`);
    }
    let scale = 1e-6, err = 0;
    for (let j = 0; j < want.length; j++) {
      scale = Math.max(scale, Math.abs(want[j]));
    }
    for (let j = 0; j < want.length; j++) {
      err = Math.max(err, Math.abs(got[j] - want[j]));
    }
    return err / scale;
  });
}

function assertClose(errors: number[], label: string): void {
  for (const e of errors) {
    if (!(e < 2e-5)) throw new Error(`${label}: relative error ${e}`);
  }
}

const cases: {
  k: number;
  s: number;
  pad: "same" | "valid";
  b: number;
  h: number;
  w: number;
  ci: number;
  co: number;
}[] = [];
for (const k of [1, 3, 5]) {
  for (const s of [1, 2]) {
    for (const pad of ["same", "valid"] as const) {
      cases.push({ k, s, pad, b: 3, h: 9, w: 7, ci: 5, co: 6 });
    }
  }
}

for (const c of cases) {
  Deno.test(`Conv2D gradients on wasm match cpu (k${c.k} s${c.s} ${c.pad})`, async () => {
    const errors = await compare([[c.b, c.h, c.w, c.ci], [
      c.k,
      c.k,
      c.ci,
      c.co,
    ]], ([x, w]) => {
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad);
      const r = tf.tensor(values(y.size, 99), y.shape);
      const g = tf.grads((a, b) =>
        tf.sum(
          tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), r),
        )
      );
      return g([x, w]);
    });
    assertClose(errors, "conv2d");
  });
  Deno.test(`DepthwiseConv2d gradients on wasm match cpu (k${c.k} s${c.s} ${c.pad})`, async () => {
    for (const m of [1, 2]) {
      const errors = await compare(
        [[c.b, c.h, c.w, c.ci], [c.k, c.k, c.ci, m]],
        ([x, w]) => {
          const f = (a: tf.Tensor, b: tf.Tensor) =>
            tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad);
          const y = f(x, w);
          const r = tf.tensor(values(y.size, 98), y.shape);
          return tf.grads((a, b) => tf.sum(tf.mul(f(a, b), r)))([x, w]);
        },
      );
      assertClose(errors, `depthwise m${m}`);
    }
  });
}

Deno.test("BatchMatMul with transposed operands on wasm matches cpu", async () => {
  for (
    const [ta, tb] of [[false, false], [true, false], [false, true], [
      true,
      true,
    ]]
  ) {
    const errors = await compare([
      ta ? [2, 7, 5] : [2, 5, 7],
      tb ? [2, 3, 7] : [2, 7, 3],
    ], ([a, b]) => {
      return [tf.matMul(a, b, ta, tb)];
    });
    assertClose(errors, `matmul ${ta} ${tb}`);
  }
});
