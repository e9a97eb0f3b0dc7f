import assert from "node:assert/strict";
import { loadReportData, ReportInputError } from "../../../lib/report/mod.ts";
import { fixtureInputs, loadFixture } from "./_fixtures.ts";

Deno.test("loadReportData() reads every artifact of a complete run without notes", async () => {
  const data = await loadFixture("one_epoch");
  assert.deepEqual(data.notes, []);
  assert.equal(data.dataset?.classes, 10);
  assert.equal(data.labels?.[0].name, "T-shirt/top");
  assert.equal(data.classCounts?.length, 10);
  assert.equal(data.history?.epochs.length, 1);
  assert.ok(data.metrics?.classifier && data.metrics.knn);
  assert.equal(data.modelConfig?.variant, "efficientnetv2-b0");
  assert.deepEqual([...data.batchGrid!.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  assert.deepEqual(data.runs.map((r) => r.input), [
    "ingest",
    "decode",
    "model",
    "train",
    "evaluate",
  ]);
});

Deno.test("loadReportData() takes the runner's run id, else infers the latest run", async () => {
  // ingest and decode come from run-1, a day earlier than run-2.
  assert.deepEqual((await loadFixture("one_epoch")).currentRun, {
    source: "latest-input",
    id: "run-2",
  });
  const data = await loadReportData({
    inputs: fixtureInputs("one_epoch"),
    title: "t",
    currentRunId: "run-3",
  });
  assert.deepEqual(data.currentRun, { source: "runner", id: "run-3" });
});

Deno.test("loadReportData() notes missing inputs and files instead of failing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/_run.json`,
      JSON.stringify({ stage: "decode" }),
    );
    const data = await loadReportData({
      inputs: { ...fixtureInputs("one_epoch", ["train"]), decode: dir },
      title: "t",
    });
    assert.ok(data.history);
    assert.equal(data.metrics, undefined);
    assert.deepEqual(data.notes, [
      'No "ingest" input: dataset facts and the class histogram cannot be shown.',
      'No "model" input: the model facts cannot be shown.',
      'No "evaluate" input: the evaluation metrics cannot be shown.',
      "decode/decode.json is missing.",
      "decode/batch_grid.png is missing.",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadReportData() names the file and field of a malformed artifact", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const history = JSON.parse(
      await Deno.readTextFile(
        `${fixtureInputs("one_epoch").train}/history.json`,
      ),
    );
    history.epochs[0].loss = "low";
    await Deno.writeTextFile(`${dir}/history.json`, JSON.stringify(history));
    await assert.rejects(
      loadReportData({ inputs: { train: dir }, title: "t" }),
      (e) =>
        e instanceof ReportInputError && e.file === "train/history.json" &&
        e.field === "epochs.0.loss" &&
        /Cannot read train\/history.json: epochs.0.loss/.test(e.message),
    );
    await Deno.writeTextFile(`${dir}/history.json`, "{ not json");
    await assert.rejects(
      loadReportData({ inputs: { train: dir }, title: "t" }),
      /Cannot parse train\/history.json/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
