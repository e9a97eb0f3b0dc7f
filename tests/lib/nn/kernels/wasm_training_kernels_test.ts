import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-layers"; // registers all gradients
import { registerWasmTrainingKernels } from "../../../../lib/nn/kernels/wasm_training_kernels.ts";
import { assertClose, values } from "../_compare.ts";

registerWasmTrainingKernels();

type Grads = (inputs: tf.Tensor[]) => tf.Tensor[];

/** Runs `grads` on cpu and on wasm with the same inputs and checks the outputs agree. */
async function compare(
  shapes: number[][],
  grads: Grads,
  label: string,
): Promise<void> {
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
  assertClose(results[1], results[0], 2e-5, label);
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
// Few pixels, many channels: the 1x1 gradients take the GEMM.
cases.push({ k: 1, s: 1, pad: "same", b: 2, h: 2, w: 3, ci: 24, co: 40 });
// Few output channels: the 1x1 filter gradient falls back to XNNPACK with x^T on the left.
cases.push({ k: 1, s: 1, pad: "same", b: 2, h: 5, w: 3, ci: 40, co: 8 });

for (const c of cases) {
  const label =
    `k${c.k} s${c.s} ${c.pad} ${c.b}x${c.h}x${c.w}x${c.ci}->${c.co}`;
  Deno.test(`Conv2D gradients on wasm match cpu (${label})`, async () => {
    const conv = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad);
    await compare([[c.b, c.h, c.w, c.ci], [c.k, c.k, c.ci, c.co]], ([x, w]) => {
      const r = tf.tensor(values(conv(x, w).size, 99), conv(x, w).shape);
      return tf.grads((a, b) => tf.sum(tf.mul(conv(a, b), r)))([x, w]);
    }, `conv2d dx, dw (${label})`);
  });
  Deno.test(`DepthwiseConv2d gradients on wasm match cpu (${label})`, async () => {
    const conv = (a: tf.Tensor, b: tf.Tensor) =>
      tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad);
    for (const m of [1, 2]) {
      await compare([[c.b, c.h, c.w, c.ci], [c.k, c.k, c.ci, m]], ([x, w]) => {
        const r = tf.tensor(values(conv(x, w).size, 98), conv(x, w).shape);
        return tf.grads((a, b) => tf.sum(tf.mul(conv(a, b), r)))([x, w]);
      }, `depthwise dx, dw (${label}, multiplier ${m})`);
    }
  });
}

Deno.test("Conv2D gradients on wasm match cpu when im2col runs in chunks of images", async () => {
  // 64x64 outputs x 5x5x32 taps = 3.3M floats per image: 3 images take 2 chunks.
  for (const s of [1, 2]) {
    const h = 64 * s;
    await compare([[3, h, h, 32], [5, 5, 32, 1]], ([x, w]) => {
      const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, "same");
      const r = tf.tensor(values(y.size, 97), y.shape);
      return tf.grads((a, b) =>
        tf.sum(
          tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, "same"), r),
        )
      )([x, w]);
    }, `chunked conv2d s${s}`);
  }
});

Deno.test("BatchMatMul with transposed operands on wasm matches cpu", async () => {
  for (
    const [ta, tb] of [[false, false], [true, false], [false, true], [
      true,
      true,
    ]]
  ) {
    await compare(
      [ta ? [2, 7, 5] : [2, 5, 7], tb ? [2, 3, 7] : [2, 7, 3]],
      ([a, b]) => [tf.matMul(a, b, ta, tb)],
      `matmul transposeA ${ta} transposeB ${tb}`,
    );
  }
});

Deno.test("BatchMatMul on the project's GEMM matches cpu on edge shapes", async () => {
  // Rows across the GEMM's 4-row tiles (every remainder) and 96-row blocks,
  // depths across its 256-deep blocks, columns across its 8-wide tiles, with
  // A read in place (fewer than 4 tiles of columns) and packed; batches of
  // one and of two; each operand as it is or transposed.
  for (
    const [m, k, n] of [
      [1, 1, 24],
      [2, 5, 25],
      [7, 257, 31],
      [4, 257, 37],
      [97, 300, 49],
      [200, 600, 100],
      [5, 40, 130],
    ]
  ) {
    for (const batch of [[], [2]]) {
      for (
        const [ta, tb] of [[false, false], [true, false], [false, true], [
          true,
          true,
        ]]
      ) {
        await compare(
          [[...batch, ...(ta ? [k, m] : [m, k])], [
            ...batch,
            ...(tb ? [n, k] : [k, n]),
          ]],
          ([a, b]) => [tf.matMul(a, b, ta, tb)],
          `matmul ${m}x${k}x${n} batch [${batch}] transposeA ${ta} transposeB ${tb}`,
        );
      }
    }
  }
  // The gradients of a matmul run transposed operands through it too.
  await compare(
    [[30, 70], [70, 40]],
    ([a, b]) =>
      tf.grads((x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.square(tf.matMul(x, y)))
      )([
        a,
        b,
      ]),
    "matmul gradients",
  );
});

// 48 and 30 output channels take the GEMM; 16, with two pixels, the transposed route.
for (
  const [xShape, co] of [[[2, 1, 1, 64], 48], [[2, 9, 7, 20], 30], [[
    2,
    1,
    1,
    64,
  ], 16]] as const
) {
  Deno.test(`FusedConv2D 1x1 ${xShape} -> ${co} matches cpu, with and without bias`, async () => {
    for (const withBias of [false, true]) {
      const ci = xShape[3];
      await compare([[...xShape], [1, 1, ci, co], [co]], ([x, w, b]) => {
        const conv = (a: tf.Tensor, f: tf.Tensor, bias?: tf.Tensor) =>
          tf.fused.conv2d({
            x: a as tf.Tensor4D,
            filter: f as tf.Tensor4D,
            strides: 1,
            pad: "same",
            bias: withBias ? bias : undefined,
          });
        const y = conv(x, w, b);
        const r = tf.tensor(values(y.size, 96), y.shape);
        const grads = withBias
          ? tf.grads((a, f, bias) => tf.sum(tf.mul(conv(a, f, bias), r)))([
            x,
            w,
            b,
          ])
          : tf.grads((a, f) => tf.sum(tf.mul(conv(a, f), r)))([x, w]);
        return [y, ...grads];
      }, `fused 1x1 conv, bias ${withBias}`);
    }
  });
}
