import assert from "node:assert/strict";
import { gpuResources } from "../../stages/_tfjs_stage.ts";
import evaluate from "../../stages/evaluate.ts";
import train from "../../stages/train.ts";

Deno.test("gpuResources() asks for one GPU for tensorflow-gpu and webgpu, and for none otherwise", () => {
  assert.deepEqual(gpuResources({ backend: "tensorflow-gpu" }), { gpus: 1 });
  assert.deepEqual(gpuResources({ backend: "webgpu" }), { gpus: 1 });
  for (const backend of ["auto", "wasm", "cpu", "tensorflow"]) {
    assert.deepEqual(gpuResources({ backend }), {});
  }
});

Deno.test("the train and evaluate stages ask for a GPU when their backend needs one", () => {
  for (const stage of [train, evaluate]) {
    const params = stage.params.parse({ backend: "tensorflow-gpu" });
    assert.deepEqual(stage.resources?.(params as never), { gpus: 1 });
    assert.deepEqual(stage.resources?.(stage.params.parse({}) as never), {});
  }
});
