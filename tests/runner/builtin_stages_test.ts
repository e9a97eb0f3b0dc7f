import assert from "node:assert/strict";
import { builtinStageNames } from "../../runner/builtin_stages.ts";

Deno.test("builtinStageNames() lists the six stages and no helper module", async () => {
  const names = builtinStageNames();
  assert.deepEqual(names, [
    "decode",
    "evaluate",
    "ingest",
    "model",
    "plot",
    "train",
  ]);
  for (const name of names) {
    const module = await import(`../../stages/${name}.ts`);
    assert.equal(typeof module.default?.run, "function", name);
  }
});
