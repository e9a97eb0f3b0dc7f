import { encodeBase64 } from "./_base64.ts";
import { formatDuration } from "./format.ts";
import { dataTable, escapeHtml, factsTable, showValue } from "./_html.ts";
import { historyTopK } from "./charts/epoch_metric_chart.ts";
import type { ReportData } from "./load_report_data.ts";
import { predictors } from "./predictors.ts";
import { classCount } from "./report_charts.ts";
import { hiddenTopKNote } from "./shown_top_k.ts";
import { stageStatus, statusText } from "./stage_status.ts";

/** Facts on training: backend, versions, batch size, time and speed. */
export function trainingFacts(data: ReportData): string {
  const h = data.history;
  if (!h) return "";
  const rows: [string, string][] = [];
  if (h.backend) rows.push(["backend", h.backend]);
  for (const [name, version] of Object.entries(h.versions ?? {})) {
    rows.push([`${name} version`, version]);
  }
  if (h.batchSize !== undefined) {
    rows.push(["batch size", showValue(h.batchSize)]);
  }
  if (h.stepsPerEpoch !== undefined) {
    rows.push(["steps per epoch", showValue(h.stepsPerEpoch)]);
  }
  const timed = h.epochs.filter((e) => e.seconds !== undefined);
  if (timed.length > 0) {
    const seconds = timed.reduce((s, e) => s + e.seconds!, 0);
    rows.push(["training time", formatDuration(seconds * 1000)]);
    rows.push([
      "mean epoch time",
      formatDuration((seconds / timed.length) * 1000),
    ]);
  }
  const speeds = h.epochs.flatMap((e) => e.imagesPerSecond ?? []);
  if (speeds.length > 0) {
    const mean = speeds.reduce((a, b) => a + b, 0) / speeds.length;
    rows.push(["images per second (mean)", mean.toFixed(1)]);
  }
  if (h.monitor !== undefined) rows.push(["best checkpoint by", h.monitor]);
  const warnings = h.warnings ?? [];
  return factsTable(rows) +
    (warnings.length > 0
      ? `<p class="warning">Warnings from training:</p>${notesList(warnings)}`
      : "");
}

/** Facts on the data set and decoding, and the batch grid image. */
export function dataFacts(data: ReportData): string {
  const rows: [string, string][] = [];
  const d = data.dataset;
  if (d) {
    rows.push(["classes", showValue(d.classes)]);
    if (d.records !== undefined) rows.push(["records", showValue(d.records)]);
    for (const [split, n] of Object.entries(d.splits ?? {})) {
      rows.push([`${split} images`, showValue(n)]);
    }
    if (d.skipped !== undefined) {
      rows.push(["skipped records", showValue(d.skipped)]);
    }
    if (d.source !== undefined) {
      rows.push(
        ...(typeof d.source === "object" && d.source !== null
          ? flattenFacts(d.source as Record<string, unknown>, "source.")
          : [["source", showValue(d.source)] as [string, string]]),
      );
    }
  }
  rows.push(...flattenFacts(data.decode ?? {}, "decode."));
  const grid = data.batchGrid
    ? `<figure class="image"><img alt="One training batch with labels (decode stage)" src="data:image/png;base64,${
      encodeBase64(data.batchGrid)
    }"><figcaption>One training batch with its labels, as the decode stage produced it</figcaption></figure>`
    : "";
  return factsTable(rows) + grid;
}

/**
 * The model config as facts. The backbone's plan (one spec per block) is
 * shown by its variant and coefficients, not block by block.
 */
export function modelFacts(data: ReportData): string {
  const config = data.modelConfig;
  if (!config) return "";
  return factsTable(flattenFacts(withPlanSummary(config)));
}

function withPlanSummary(
  modelConfig: Record<string, unknown>,
): Record<string, unknown> {
  const config = modelConfig.config as
    | { backbone?: { scaled?: Record<string, unknown> } }
    | undefined;
  const scaled = config?.backbone?.scaled;
  if (!scaled) return modelConfig;
  const { name, width, depth, dropPath } = scaled;
  return {
    ...modelConfig,
    config: { ...config, backbone: { variant: name, width, depth, dropPath } },
  };
}

/** One row per upstream stage: status, where it ran, start, duration, run and key. */
export function pipelineTable(data: ReportData): string {
  if (data.runs.length === 0) return "";
  return dataTable(
    [
      "stage",
      "uses",
      "status",
      "ran on",
      "started",
      "took",
      "run",
      "cache key",
    ],
    data.runs.map((run) => [
      run.stage,
      run.uses ?? run.stage,
      statusText(stageStatus(run, data.currentRun), data.currentRun),
      run.where
        ? `${run.where.host}${
          run.where.jobId ? ` (Slurm job ${run.where.jobId})` : ""
        }`
        : "?",
      run.startedAt ?? "?",
      run.durationMs === undefined ? "?" : formatDuration(run.durationMs),
      run.runId ?? "?",
      run.key ? `${run.key.slice(0, 19)}…` : "?",
    ]),
  );
}

/** A list of the notes (missing inputs and files), or nothing. */
export function notesList(notes: readonly string[]): string {
  if (notes.length === 0) return "";
  return `<ul class="notes">${
    notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")
  }</ul>`;
}

/** Which top-k values the training or evaluation charts leave out, and why. */
export function topKNote(data: ReportData, from: "train" | "evaluate"): string {
  const keys = from === "train"
    ? (data.history ? historyTopK(data.history) : [])
    : (data.metrics ? predictors(data.metrics) : []).flatMap((p) =>
      Object.keys(p.metrics.topk)
    );
  const note = hiddenTopKNote(keys, classCount(data));
  return note ? `<p class="note">${escapeHtml(note)}</p>` : "";
}

/** Nested objects as dotted rows: { head: { s: 30 } } → ["head.s", "30"]. */
export function flattenFacts(
  record: Record<string, unknown>,
  prefix = "",
): [string, string][] {
  return Object.entries(record).flatMap(([key, value]) =>
    value !== null && typeof value === "object" && !Array.isArray(value) &&
      prefix.split(".").length < 4
      ? flattenFacts(value as Record<string, unknown>, `${prefix}${key}.`)
      : [[`${prefix}${key}`, showValue(value)] as [string, string]]
  );
}
