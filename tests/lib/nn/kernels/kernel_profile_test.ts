import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../../../../lib/nn/backend.ts";
import { profileKernels } from "../../../../lib/nn/kernels/kernel_profile.ts";

Deno.test("profileKernels() charges nested kernels once and restores the registry", async () => {
  await useBackend("wasm");
  const before = tf.getKernel("Conv2DBackpropFilter", "wasm")!.kernelFunc;
  const x = tf.ones([2, 8, 8, 3]) as tf.Tensor4D;
  const w = tf.ones([3, 3, 3, 4]) as tf.Tensor4D;
  // dW[0][0] of an all-ones input: the top-left tap sees 7x7 pixels per image.
  const profile = await profileKernels("wasm", () => {
    const g = tf.grad((f: tf.Tensor) =>
      tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, "same"))
    )(w);
    const value = g.dataSync()[0];
    g.dispose();
    return value;
  });
  tf.dispose([x, w]);
  const names = profile.kernels.map((k) => k.kernel);
  // The filter gradient calls BatchMatMul inside: both appear, each with its own time.
  for (const name of ["Conv2D", "Conv2DBackpropFilter", "BatchMatMul"]) {
    if (!names.includes(name)) throw new Error(`${name} missing from ${names}`);
  }
  const sum = profile.kernels.reduce((s, k) => s + k.ms, 0);
  if (
    Math.abs(sum - profile.kernelMs) > 1e-6 ||
    !(profile.kernelMs <= profile.totalMs)
  ) {
    throw new Error(
      `kernel ms ${profile.kernelMs}, sum ${sum}, total ${profile.totalMs}`,
    );
  }
  if (
    profile.result !== 2 * 7 * 7 ||
    tf.getKernel("Conv2DBackpropFilter", "wasm")!.kernelFunc !== before
  ) {
    throw new Error(
      `result ${profile.result} or the registry was not restored`,
    );
  }
});
