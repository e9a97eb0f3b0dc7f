import assert from "node:assert/strict";
import { reportCharts } from "../../../lib/report/mod.ts";
import { loadFixture } from "./_fixtures.ts";

const names = async (...args: Parameters<typeof loadFixture>) =>
  reportCharts(await loadFixture(...args)).map((c) => `${c.section}/${c.name}`);

Deno.test("reportCharts() makes every chart of a 10-class run, confusion matrices included", async () => {
  assert.deepEqual(await names("one_epoch"), [
    "training/lr_schedule",
    "training/loss",
    "training/accuracy_top1", // top-10 of 10 classes is 100% by definition
    "data/class_histogram",
    "evaluation/metrics",
    "evaluation/per_class_accuracy",
    "evaluation/confusion_classifier",
    "evaluation/confusion_knn",
    "pipeline/pipeline",
  ]);
});

Deno.test("reportCharts() leaves out confusion matrices above 50 classes", async () => {
  assert.deepEqual(await names("many_epochs"), [
    "training/lr_schedule",
    "training/loss",
    "training/accuracy_top1",
    "training/accuracy_top10",
    "training/accuracy_top100",
    "data/class_histogram",
    "evaluation/metrics",
    "evaluation/per_class_accuracy",
    "pipeline/pipeline",
  ]);
});

Deno.test("reportCharts() draws what the inputs allow", async () => {
  assert.deepEqual(await names("many_epochs", ["train"]), [
    "training/lr_schedule",
    "training/loss",
    // The class count is unknown without ingest or evaluate: every k is shown.
    "training/accuracy_top1",
    "training/accuracy_top10",
    "training/accuracy_top100",
    "training/accuracy_top120",
    "pipeline/pipeline",
  ]);
  assert.deepEqual(await names("one_epoch", []), []);
});
