import * as tf from "@tensorflow/tfjs-core";
import { compareWithCpu, gpuTest, values } from "./_webgpu.ts";

interface Case {
  k: number;
  s: number;
  pad: "same" | "valid";
  b: number;
  h: number;
  w: number;
  ci: number;
  co: number;
}

const cases: Case[] = [];
for (const k of [1, 3, 5]) {
  for (const s of [1, 2]) {
    for (const pad of ["same", "valid"] as const) {
      cases.push({ k, s, pad, b: 3, h: 9, w: 7, ci: 5, co: 6 });
    }
  }
}
// Batch 1, channels not divisible by 4, more outputs than a 32x32 tile.
cases.push({ k: 3, s: 2, pad: "same", b: 1, h: 16, w: 16, ci: 3, co: 37 });
// A long inner dimension (split-K with several chunks) and a 64x64 tile.
cases.push({ k: 1, s: 1, pad: "same", b: 4, h: 20, w: 19, ci: 70, co: 66 });
cases.push({ k: 3, s: 1, pad: "same", b: 2, h: 24, w: 23, ci: 9, co: 33 });

for (const c of cases) {
  const label =
    `k${c.k} s${c.s} ${c.pad} ${c.b}x${c.h}x${c.w}x${c.ci}->${c.co}`;
  gpuTest(
    `Conv2D filter and input gradients on webgpu match cpu (${label})`,
    async () => {
      const conv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad);
      await compareWithCpu(
        [[c.b, c.h, c.w, c.ci], [c.k, c.k, c.ci, c.co]],
        ([x, w]) => {
          const shape = conv(x, w).shape;
          const r = tf.tensor(
            values(shape.reduce((p, d) => p * d, 1), 99),
            shape,
          );
          return tf.grads((a, b) => tf.sum(tf.mul(conv(a, b), r)))([x, w]);
        },
        2e-5,
        `conv2d dx, dw (${label})`,
      );
    },
  );
}

for (const c of cases.slice(-4)) {
  const label =
    `k${c.k} s${c.s} ${c.pad} ${c.b}x${c.h}x${c.w}x${c.ci}->${c.co}`;
  gpuTest(
    `Conv2D and FusedConv2D (bias) forward on webgpu match cpu (${label})`,
    async () => {
      await compareWithCpu(
        [[c.b, c.h, c.w, c.ci], [c.k, c.k, c.ci, c.co], [c.co]],
        ([x, w, bias]) => [
          tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad),
          tf.fused.conv2d({
            x: x as tf.Tensor4D,
            filter: w as tf.Tensor4D,
            strides: c.s,
            pad: c.pad,
            bias,
          }),
        ],
        2e-5,
        `conv2d y (${label})`,
      );
    },
  );
}

gpuTest(
  "Conv2D on webgpu covers more row tiles than a dispatch dimension holds",
  async () => {
    // 1 x 1500 x 1450 outputs: 33,985 tiles of 64 rows, past the 32,768 along y.
    await compareWithCpu(
      [[1, 1500, 1450, 1], [1, 1, 1, 3]],
      ([x, w]) => [tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same")],
      1e-6,
      "conv2d y, 2.2M rows",
    );
  },
);
