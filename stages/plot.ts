/**
 * The plot stage: the report of a pipeline run. Reads whatever upstream
 * artifacts it is given (all optional) and writes one .svg and .png per
 * chart, the decode stage's batch_grid.png, and a self-contained
 * report.html (vega bundles and data inline, no network).
 *
 * @module
 */
import { defineStage, z } from "../stage.ts";
import { SHARP_PERMISSIONS } from "../lib/image/sharp_permissions.ts";

export default defineStage({
  description:
    "Charts of the schedule, training curves, data, metrics and pipeline as SVG/PNG and a self-contained report.html",
  params: z.strictObject({
    /** The report's title. */
    title: z.string().min(1).default("Training report"),
    /** Device pixels per CSS pixel of the PNGs. */
    png_scale: z.number().min(1).max(4).default(2),
  }),
  inputs: {
    ingest: {
      optional: true,
      description: "dataset.json, labels.json, class_counts.json",
    },
    decode: { optional: true, description: "decode.json and batch_grid.png" },
    model: { optional: true, description: "model_config.json" },
    train: { optional: true, description: "history.json" },
    evaluate: { optional: true, description: "metrics.json" },
  },
  // sharp rasterises the SVGs.
  permissions: SHARP_PERMISSIONS,
  async run(ctx) {
    const { loadReportData } = await import(
      "../lib/report/load_report_data.ts"
    );
    const { writeReport } = await import("../lib/report/write_report.ts");
    const data = await loadReportData({
      inputs: ctx.inputs,
      title: ctx.params.title,
      // The runner's id of this pipeline run, once the context carries it;
      // until then the report infers the latest run from the inputs.
      currentRunId: ctx.runId,
    });
    for (const note of data.notes) ctx.log.warn(note);
    ctx.progress.start("report");
    const written = await writeReport({
      data,
      outDir: ctx.outDir,
      pngScale: ctx.params.png_scale,
      onFile: (name) => ctx.progress.advance(1, name),
    });
    ctx.progress.end();
    ctx.log.info(`wrote ${written.charts.length} charts and report.html`);
    return {
      charts: written.charts,
      files: written.files.length,
      notes: data.notes,
    };
  },
});
