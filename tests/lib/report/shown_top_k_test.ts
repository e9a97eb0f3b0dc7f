import assert from "node:assert/strict";
import { hiddenTopKNote, shownTopK } from "../../../lib/report/mod.ts";

Deno.test("shownTopK() drops k at or above the class count and sorts by k", () => {
  assert.deepEqual(shownTopK(["100", "1", "10", "120"], 120), [
    "1",
    "10",
    "100",
  ]);
  assert.deepEqual(shownTopK(["10", "1"], 0), ["1", "10"]);
  assert.equal(
    hiddenTopKNote(["1", "10"], 10),
    "Top-10 accuracy is not shown: with 10 classes, top-k for k ≥ 10 is 100% by definition.",
  );
  assert.equal(hiddenTopKNote(["1", "10"], 11), "");
});
