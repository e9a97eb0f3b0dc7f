import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { registerFusedSwish } from "../../../../lib/nn/kernels/fused_swish.ts";
import { assertClose, values } from "../_compare.ts";

registerFusedSwish();

/** A swish Activation layer deserialised from JSON: its output and input gradient. */
async function run(backend: string): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const input = tfl.input({ shape: [5, 3] });
  const out = tfl.layers.activation({ activation: "swish" }).apply(
    input,
  ) as tfl.SymbolicTensor;
  const model = await tfl.models.modelFromJSON(
    tfl.model({ inputs: input, outputs: out }).toJSON(null, false) as never,
  );
  const activation =
    (model.layers[1] as unknown as { activation: object }).activation;
  if (activation.constructor.name !== "FusedSwish") {
    throw new Error(`activation is ${activation.constructor.name}`);
  }
  const x = tf.tensor(values(2 * 15, 1).map((v) => 6 * v), [2, 5, 3]);
  const r = tf.tensor(values(2 * 15, 2), [2, 5, 3]);
  const y = model.apply(x) as tf.Tensor;
  const dx = tf.grad((t: tf.Tensor) =>
    tf.sum(tf.mul(model.apply(t) as tf.Tensor, r))
  )(x);
  const result = [await y.data(), await dx.data()] as Float32Array[];
  tf.dispose([x, r, y, dx]);
  model.dispose();
  return result;
}

Deno.test("FusedSwish on wasm matches tfjs-layers' swish on cpu, value and gradient", async () => {
  assertClose(await run("wasm"), await run("cpu"), 1e-5, "swish y, dx");
});

Deno.test("FusedSwish leaks no tensor in training", async () => {
  await tf.setBackend("wasm");
  const x = tf.tensor(values(64, 3), [4, 16]);
  const v = tf.variable(tf.ones([16]));
  const act = tfl.layers.activation({ activation: "swish" });
  const counts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { value, grads } = tf.variableGrads(
      () => tf.sum(act.apply(tf.mul(x, v)) as tf.Tensor),
      [v],
    );
    tf.dispose([value, ...Object.values(grads)]);
    counts.push(tf.memory().numTensors);
  }
  tf.dispose([x, v]);
  if (new Set(counts).size !== 1) throw new Error(`numTensors ${counts}`);
});
