import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { registerFusedBatchNorm } from "../../../../lib/nn/kernels/fused_batch_norm.ts";
import { assertClose, values } from "../_compare.ts";

registerFusedBatchNorm();

/** One training call of a BN layer (gamma/beta set away from 1/0); returns y, grads and moving stats. */
async function run(backend: string, shape: number[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const c = shape[shape.length - 1];
  const input = tfl.input({ shape: shape.slice(1) });
  const out = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 })
    .apply(input) as tfl.SymbolicTensor;
  // Round-trip through JSON so the registered (fused) class is the one instantiated.
  const model = await tfl.models.modelFromJSON(
    tfl.model({ inputs: input, outputs: out }).toJSON(null, false) as never,
  );
  const layer = model.layers[1];
  if (layer.constructor.name !== "FusedBatchNormalization") {
    throw new Error(`layer is a ${layer.constructor.name}`);
  }
  const [gamma, beta, mm, mv] = layer.getWeights();
  layer.setWeights([tf.tensor(values(c, 3)), tf.tensor(values(c, 4)), mm, mv]);
  const x = tf.tensor(
    values(shape.reduce((a, b) => a * b, 1), 5).map((v, i) =>
      v * (1 + (i % c)) + (i % c)
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

for (const shape of [[3, 5, 4, 6], [4, 7]]) {
  Deno.test(`FusedBatchNormalization on wasm matches tfjs-layers on cpu for ${JSON.stringify(shape)}`, async () => {
    const want = await run("cpu", shape);
    const got = await run("wasm", shape);
    assertClose(
      got,
      want,
      1e-4,
      "y, dx, dgamma, dbeta, moving mean, moving variance",
    );
  });
}
