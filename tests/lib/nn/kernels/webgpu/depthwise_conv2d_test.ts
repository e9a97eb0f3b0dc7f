import * as tf from "@tensorflow/tfjs-core";
import { compareWithCpu, gpuTest, values } from "./_webgpu.ts";

interface Case {
  k: number;
  s: number;
  pad: "same" | "valid";
  b: number;
  h: number;
  w: number;
  c: number;
  m?: number;
}

const cases: Case[] = [];
for (const k of [1, 3, 5]) {
  for (const s of [1, 2]) {
    for (const pad of ["same", "valid"] as const) {
      cases.push({ k, s, pad, b: 3, h: 9, w: 7, c: 5 });
    }
  }
}
// Batch 1 and more than one 64-channel group; many positions (several chunks).
cases.push({ k: 3, s: 2, pad: "same", b: 1, h: 16, w: 15, c: 67 });
cases.push({ k: 5, s: 1, pad: "same", b: 2, h: 40, w: 33, c: 6 });
// A channel multiplier of 2 falls back to tfjs's kernels.
cases.push({ k: 3, s: 1, pad: "same", b: 2, h: 5, w: 6, c: 3, m: 2 });

for (const c of cases) {
  const m = c.m ?? 1;
  const label = `k${c.k} s${c.s} ${c.pad} ${c.b}x${c.h}x${c.w}x${c.c} m${m}`;
  gpuTest(
    `DepthwiseConv2d and its gradients on webgpu match cpu (${label})`,
    async () => {
      const conv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad);
      await compareWithCpu(
        [[c.b, c.h, c.w, c.c], [c.k, c.k, c.c, m]],
        ([x, w]) => {
          const y = conv(x, w);
          const r = tf.tensor(values(y.size, 98), y.shape);
          return [
            y,
            ...tf.grads((a, b) => tf.sum(tf.mul(conv(a, b), r)))([x, w]),
          ];
        },
        2e-5,
        `depthwise y, dx, dw (${label})`,
      );
    },
  );
}
