import assert from "node:assert/strict";
import plot from "../../stages/plot.ts";
import { createStageContext } from "../../runner/child/stage_context.ts";
import { ReportInputError } from "../../lib/report/mod.ts";
import { fixtureInputs } from "../lib/report/_fixtures.ts";
import type { FixtureRun } from "../lib/report/_fixtures.ts";

async function runPlot(
  inputs: Record<string, string>,
  params: Record<string, unknown> = {},
) {
  const outDir = await Deno.makeTempDir({ prefix: "plot_test_" });
  const warnings: string[] = [];
  const { ctx } = createStageContext({
    stage: "plot",
    params: plot.params.parse(params),
    inputs,
    outDir,
    log: { info() {}, warn: (m) => warnings.push(m) },
  });
  const summary = await plot.run(ctx) as {
    charts: string[];
    files: number;
    notes: string[];
  };
  const files = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
  return { outDir, summary, files, warnings };
}

for (const run of ["one_epoch", "many_epochs"] as FixtureRun[]) {
  Deno.test(`plot writes report.html, an SVG and a PNG per chart and the batch grid (${run})`, async () => {
    const { outDir, summary, files } = await runPlot(fixtureInputs(run));
    try {
      const expected = [
        "batch_grid.png",
        "report.html",
        ...summary.charts.flatMap((c) => [`${c}.png`, `${c}.svg`]),
      ].sort();
      assert.deepEqual(files, expected);
      assert.equal(summary.files, expected.length);
      assert.ok(
        summary.charts.includes("loss") && summary.charts.includes("pipeline"),
      );
      assert.deepEqual(
        await Deno.readFile(`${outDir}/batch_grid.png`),
        await Deno.readFile(`${fixtureInputs(run).decode}/batch_grid.png`),
      );
      const html = await Deno.readTextFile(`${outDir}/report.html`);
      assert.match(html, /<title>Training report<\/title>/);
      for (const chart of summary.charts) {
        const svg = await Deno.readTextFile(`${outDir}/${chart}.svg`);
        assert.match(svg, /^<svg/, chart);
        const png = await Deno.readFile(`${outDir}/${chart}.png`);
        assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], chart);
      }
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  });
}

Deno.test("plot writes the same bytes for the same inputs", async () => {
  const a = await runPlot(fixtureInputs("one_epoch"));
  const b = await runPlot(fixtureInputs("one_epoch"));
  try {
    for (const name of a.files) {
      assert.deepEqual(
        await Deno.readFile(`${a.outDir}/${name}`),
        await Deno.readFile(`${b.outDir}/${name}`),
        name,
      );
    }
  } finally {
    await Deno.remove(a.outDir, { recursive: true });
    await Deno.remove(b.outDir, { recursive: true });
  }
});

Deno.test("plot tolerates missing inputs and says so in the report and the log", async () => {
  const { outDir, summary, files, warnings } = await runPlot(
    fixtureInputs("one_epoch", ["train"]),
    { title: "Only training" },
  );
  try {
    assert.deepEqual(summary.charts, [
      "lr_schedule",
      "loss",
      "accuracy_top1",
      "accuracy_top10",
      "pipeline",
    ]);
    assert.ok(!files.includes("batch_grid.png"));
    assert.equal(warnings.length, 4);
    assert.deepEqual(summary.notes, warnings);
    const html = await Deno.readTextFile(`${outDir}/report.html`);
    assert.match(html, /<title>Only training<\/title>/);
    assert.match(html, /No &#34;evaluate&#34; input/);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("plot fails with the file named when an artifact is malformed", async () => {
  const bad = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${bad}/metrics.json`,
      JSON.stringify({ classifier: { topk: 1 } }),
    );
    await assert.rejects(
      runPlot({ ...fixtureInputs("one_epoch", ["train"]), evaluate: bad }),
      (e) =>
        e instanceof ReportInputError && e.file === "evaluate/metrics.json",
    );
  } finally {
    await Deno.remove(bad, { recursive: true });
  }
});

Deno.test("plot params: defaults, bounds and typos", () => {
  assert.deepEqual(plot.params.parse({}), {
    title: "Training report",
    png_scale: 2,
  });
  assert.throws(() => plot.params.parse({ png_scale: 8 }));
  assert.throws(() => plot.params.parse({ titel: "x" }));
});

Deno.test("plot takes the current run id from the context when the runner gives one", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "plot_test_" });
  try {
    const { ctx } = createStageContext({
      stage: "plot",
      params: plot.params.parse({}),
      inputs: fixtureInputs("one_epoch"),
      outDir,
    });
    await plot.run({ ...ctx, runId: "run-2" } as typeof ctx);
    const svg = await Deno.readTextFile(`${outDir}/pipeline.svg`);
    assert.match(
      svg,
      /3 of 5 stages ran in this run \(run-2\), 2 came from the cache/,
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
