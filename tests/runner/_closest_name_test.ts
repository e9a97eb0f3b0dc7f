import { assertEquals } from "../_assert.ts";
import { closestName } from "../../runner/_closest_name.ts";

Deno.test("closestName() suggests a near miss and nothing for an unrelated word", () => {
  const names = ["img_size", "batch_size", "epochs", "seed"];
  assertEquals(closestName("img_szie", names), "img_size");
  assertEquals(closestName("epoch", names), "epochs");
  assertEquals(closestName("Batch_Size", names), "batch_size");
  assertEquals(closestName("learning_rate", names), undefined);
});
