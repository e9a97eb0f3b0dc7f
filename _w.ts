import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { buildRetrievalModel } from "./lib/nn/retrieval_model.ts";
import { saveModel } from "./lib/nn/model_io.ts";
import { createTrainer } from "./lib/nn/trainer.ts";
const S = Number(Deno.args[0] ?? 64), B = Number(Deno.args[1] ?? 8);
const dir = await Deno.makeTempDir();
await tf.setBackend("cpu");
await saveModel(buildRetrievalModel({ variant: "b0", imgSize: S, classes: 10, seed: 1 }), dir);
const t = await createTrainer({ modelDir: dir, backend: "webgpu", replicas: 1, topK: [1] });
const images = new Float32Array(B * S * S * 3).map((_, i) => Math.sin(i));
const labels = Int32Array.from({ length: B }, (_, i) => i % 10);
const backend = tf.backend() as any;
for (let i = 0; i < 4; i++) {
  const o = await t.step(images, labels, 1e-3);
  console.log(o.loss.toFixed(3), "total", o.ms.total.toFixed(0), "compute", o.ms.compute.toFixed(0), "update", o.ms.update.toFixed(0), "pipelines:", Object.keys(backend.pipelineCache).length, "numTensors", tf.memory().numTensors);
}
await t.dispose();
