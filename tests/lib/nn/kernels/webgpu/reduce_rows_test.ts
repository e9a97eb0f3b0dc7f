import * as tf from "@tensorflow/tfjs-core";
import { compareWithCpu, gpuTest } from "./_webgpu.ts";

// Spatial (squeeze-excite pooling), leading (bias gradients), a 2-D column
// sum, keepDims, negative axes, and cases left to tfjs (last axis, all
// axes, too long).
const cases: [number[], number | number[] | undefined, boolean][] = [
  [[3, 5, 7, 9], [1, 2], false],
  [[1, 4, 4, 67], [1, 2], true],
  [[3, 5, 7, 9], [0, 1, 2], false],
  [[6, 5], 0, false],
  [[2, 3, 4, 5], [-3, -2], false],
  [[2, 3, 4], [2], false],
  [[2, 3, 4], undefined, false],
  [[2, 80, 80, 3], [1, 2], false],
];

for (const [shape, axis, keepDims] of cases) {
  const label = `${JSON.stringify(shape)} over ${JSON.stringify(axis)}${
    keepDims ? ", keepDims" : ""
  }`;
  gpuTest(`Sum and Mean on webgpu match cpu (${label})`, async () => {
    await compareWithCpu(
      [shape],
      ([x]) => [tf.sum(x, axis, keepDims), tf.mean(x, axis, keepDims)],
      2e-6,
      label,
    );
  });
}

gpuTest("the sigmoid's gradient on webgpu (fused) matches cpu", async () => {
  await compareWithCpu(
    [[4, 1, 1, 37]],
    ([x]) => {
      const wide = tf.mul(x, 6);
      return [tf.grad((t) => tf.sum(tf.mul(tf.sigmoid(t), wide)))(wide)];
    },
    1e-6,
    "sigmoid dx",
  );
});
