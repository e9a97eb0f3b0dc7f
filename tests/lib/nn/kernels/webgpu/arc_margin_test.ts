import * as tf from "@tensorflow/tfjs-core";
import { marginLogits } from "../../../../../lib/nn/model/arc_margin.ts";
import { ARC_MARGIN } from "../../../../../lib/nn/kernels/fused_arc_margin.ts";
import { profileGpuKernels } from "../../../../../lib/nn/kernels/webgpu/gpu_profile.ts";
import { compareWithCpu, gpuTest, values } from "./_webgpu.ts";

const B = 7, N = 13;

/** cos values over (-1, 1), with both clip bounds and th = -cos(0.5) among them. */
const COS = Array.from(values(B * N, 5), (v) => v * 0.9995);
COS[0] = 1 - 1e-6;
COS[1] = -1 + 1e-6;
COS[N + 2] = -Math.cos(0.5);

for (const easyMargin of [false, true]) {
  for (const lsEps of [0, 0.1]) {
    for (const perClass of [false, true]) {
      const label = `easy ${easyMargin}, ls ${lsEps}, per-class ${perClass}`;
      gpuTest(
        `marginLogits() and its gradient on webgpu (fused) match cpu (${label})`,
        async () => {
          await compareWithCpu(
            [[N]],
            ([m]) => {
              const cos = tf.tensor2d(COS, [B, N]);
              const labels = tf.tensor1d(
                Array.from({ length: B }, (_, i) => (i * 5) % N),
                "int32",
              );
              const margins = perClass
                ? tf.add(tf.mul(tf.abs(m), 0.4), 0.1) as tf.Tensor1D
                : undefined;
              const options = {
                s: 30,
                m: 0.5,
                easyMargin,
                lsEps,
                subcenters: 1,
              };
              const r = tf.tensor(values(B * N, 11), [B, N]);
              const f = (c: tf.Tensor) =>
                tf.sum(
                  tf.mul(
                    marginLogits(c as tf.Tensor2D, labels, options, margins),
                    r,
                  ),
                );
              return [
                marginLogits(cos, labels, options, margins),
                tf.grad(f)(cos),
              ];
            },
            2e-5,
            `margin logits, dcos (${label})`,
          );
        },
      );
    }
  }
}

gpuTest("marginLogits() runs one fused kernel on webgpu", async () => {
  await tf.setBackend("webgpu");
  const { kernels } = await profileGpuKernels(() =>
    marginLogits(
      tf.zeros([2, 3]) as tf.Tensor2D,
      tf.tensor1d([0, 2], "int32"),
      { s: 30, m: 0.5, easyMargin: false, lsEps: 0, subcenters: 1 },
    ).data()
  );
  const dispatching = kernels.filter((k) => k.dispatches > 0).map((k) =>
    k.kernel
  );
  if (dispatching.join() !== ARC_MARGIN) throw new Error(`${dispatching}`);
});
