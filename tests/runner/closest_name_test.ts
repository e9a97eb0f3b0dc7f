import assert from "node:assert/strict";
import { closestName } from "../../runner/closest_name.ts";

Deno.test("closestName() suggests a near miss and nothing for an unrelated word", () => {
  const names = ["img_size", "batch_size", "epochs", "seed"];
  assert.deepStrictEqual(closestName("img_szie", names), "img_size");
  assert.deepStrictEqual(closestName("epoch", names), "epochs");
  assert.deepStrictEqual(closestName("Batch_Size", names), "batch_size");
  assert.deepStrictEqual(closestName("learning_rate", names), undefined);
});
