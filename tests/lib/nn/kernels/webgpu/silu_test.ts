import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  registerFusedSwish,
  SILU,
} from "../../../../../lib/nn/kernels/fused_swish.ts";
import { profileGpuKernels } from "../../../../../lib/nn/kernels/webgpu/gpu_profile.ts";
import { compareWithCpu, gpuTest, values } from "./_webgpu.ts";

registerFusedSwish();

for (const shape of [[3, 5, 7, 9], [1, 1, 1, 5], [70001]]) {
  gpuTest(
    `the swish activation and its gradient on webgpu match cpu for ${
      JSON.stringify(shape)
    }`,
    async () => {
      const swish = () => {
        const entry =
          tf.serialization.SerializationMap.getMap().classNameMap["swish"];
        return new (entry[0] as unknown as new () => {
          apply(x: tf.Tensor): tf.Tensor;
        })();
      };
      await compareWithCpu(
        [shape],
        ([x]) => {
          // Inputs spread over [-8, 8): both tails of the sigmoid.
          const wide = tf.mul(x, 8);
          const r = tf.tensor(values(x.size, 42), shape);
          const f = (t: tf.Tensor) => tf.sum(tf.mul(swish().apply(t), r));
          return [swish().apply(wide), tf.grad(f)(wide), wide];
        },
        1e-5,
        `swish y, dx (${JSON.stringify(shape)})`,
      );
    },
  );
}

gpuTest("the swish activation runs the fused kernel on webgpu", async () => {
  await tf.setBackend("webgpu");
  if (tf.getKernel(SILU, "webgpu") === undefined) {
    throw new Error("no SILU kernel");
  }
  const activation = tfl.layers.activation({ activation: "swish" });
  const { result: data, kernels } = await profileGpuKernels(() =>
    (activation.apply(tf.ones([2, 2])) as tf.Tensor).data()
  );
  if (!kernels.some((k) => k.kernel === SILU)) {
    throw new Error(`no ${SILU} dispatch: ${kernels.map((k) => k.kernel)}`);
  }
  if (Math.abs(data[0] - 1 / (1 + Math.exp(-1))) > 1e-6) {
    throw new Error(`${data}`);
  }
});
