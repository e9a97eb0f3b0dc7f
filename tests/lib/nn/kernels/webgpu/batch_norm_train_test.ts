import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  BATCH_NORM_TRAIN_GRAD,
  BATCH_NORM_TRAIN_MOVING,
  registerFusedBatchNorm,
} from "../../../../../lib/nn/kernels/fused_batch_norm.ts";
import { profileGpuKernels } from "../../../../../lib/nn/kernels/webgpu/gpu_profile.ts";
import { gpuTest, values } from "./_webgpu.ts";
import { assertClose } from "../../_compare.ts";

registerFusedBatchNorm();

/** One training call of a BN layer; returns y, dx, dgamma, dbeta and the moving statistics. */
async function run(
  backend: string,
  shape: number[],
  offset: number,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const c = shape[shape.length - 1];
  const input = tfl.input({ shape: shape.slice(1) });
  const out = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 })
    .apply(input) as tfl.SymbolicTensor;
  const model = await tfl.models.modelFromJSON(
    tfl.model({ inputs: input, outputs: out }).toJSON(null, false) as never,
  );
  const layer = model.layers[1];
  const [gamma, beta, mm, mv] = layer.getWeights();
  layer.setWeights([tf.tensor(values(c, 3)), tf.tensor(values(c, 4)), mm, mv]);
  // Channel-dependent scale and a large offset: the one-pass variance must stay accurate.
  const x = tf.tensor(
    values(shape.reduce((a, b) => a * b, 1), 5).map((v, i) =>
      v * (1 + (i % c)) + offset + (i % c)
    ),
    shape,
  );
  const r = tf.tensor(values(x.size, 6), shape);
  const f = (t: tf.Tensor) =>
    tf.sum(
      tf.mul(model.apply(t, { training: true }) as tf.Tensor, r),
    ) as tf.Scalar;
  const { grads } = tf.variableGrads(() => f(x));
  const dx = tf.grad(f)(x);
  const y = model.apply(x, { training: true }) as tf.Tensor;
  const weights = layer.getWeights();
  const result = [
    await y.data(),
    await dx.data(),
    ...(await Promise.all(Object.values(grads).map((g) => g.data()))),
    ...(await Promise.all(weights.slice(2).map((w) => w.data()))),
  ] as Float32Array[];
  tf.dispose([gamma, beta, x, r, dx, y, ...Object.values(grads)]);
  return result;
}

// Odd sizes, channels not divisible by 4, batch 1, more than 64 channels,
// enough rows for several chunks, and a 2-D input.
for (
  const [shape, offset] of [
    [[3, 5, 4, 6], 0],
    [[1, 9, 7, 5], 0],
    [[2, 33, 17, 3], 50],
    [[4, 7, 3, 70], 0],
    [[4, 7], 0],
  ] as [number[], number][]
) {
  gpuTest(
    `FusedBatchNormalization on webgpu matches tfjs-layers on cpu for ${
      JSON.stringify(shape)
    }`,
    async () => {
      const want = await run("cpu", shape, offset);
      const got = await run("webgpu", shape, offset);
      assertClose(
        got,
        want,
        2e-4,
        "y, dx, dgamma, dbeta, moving mean, moving variance",
      );
    },
  );
}

gpuTest(
  "FusedBatchNormalization takes the fused kernels on webgpu",
  async () => {
    const { kernels } = await profileGpuKernels(() =>
      run("webgpu", [2, 3, 3, 4], 0)
    );
    const names = kernels.map((k) => k.kernel);
    for (
      const name of [BATCH_NORM_TRAIN_MOVING, BATCH_NORM_TRAIN_GRAD]
    ) {
      if (!names.includes(name)) {
        throw new Error(
          `${name} did not run: ${names}`,
        );
      }
    }
  },
);
