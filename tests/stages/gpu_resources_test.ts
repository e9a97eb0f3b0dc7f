import assert from "node:assert/strict";
import { gpuResources } from "../../stages/gpu_resources.ts";
import evaluate from "../../stages/evaluate.ts";

Deno.test("gpuResources() asks for one GPU for tensorflow-gpu and webgpu, and for none otherwise", () => {
  assert.deepEqual(gpuResources({ backend: "tensorflow-gpu" }), { gpus: 1 });
  assert.deepEqual(gpuResources({ backend: "webgpu" }), { gpus: 1 });
  for (const backend of ["auto", "wasm", "cpu", "tensorflow"]) {
    assert.deepEqual(gpuResources({ backend }), {});
  }
});

Deno.test("the evaluate stage asks for a GPU when its backend needs one", () => {
  const params = evaluate.params.parse({ backend: "tensorflow-gpu" });
  assert.deepEqual(evaluate.resources?.(params), { gpus: 1 });
  assert.deepEqual(evaluate.resources?.(evaluate.params.parse({})), {});
});
