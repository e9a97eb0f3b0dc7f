import { escapeHtml, jsonForScript, scriptSafe } from "./_html.ts";
import {
  dataFacts,
  modelFacts,
  notesList,
  pipelineTable,
  topKNote,
  trainingFacts,
} from "./_report_sections.ts";
import { REPORT_CSS } from "./_report_css.ts";
import { keyNumbers } from "./key_numbers.ts";
import type { ReportData } from "./load_report_data.ts";
import type { ReportChart, ReportSection } from "./report_charts.ts";
import type { VegaBundles } from "./vega_bundles.ts";

/** Options of {@linkcode reportHtml}. */
export interface ReportHtmlOptions {
  /** What the report shows. */
  data: ReportData;
  /** The charts, from reportCharts(data). */
  charts: readonly ReportChart[];
  /** The browser bundles, from readVegaBundles(). */
  bundles: VegaBundles;
  /**
   * When the report was made, shown in the header. Left out by default so
   * that the same inputs give the same bytes.
   */
  generatedAt?: Date;
}

// Renders every chart with vega-embed; a failure is shown in place and logged.
const BOOT = `
const charts = JSON.parse(document.getElementById("report-charts").textContent);
const options = {
  mode: "vega-lite",
  renderer: "svg",
  actions: { export: true, source: false, compiled: false, editor: false },
};
for (const { name, spec } of charts) {
  const el = document.getElementById("chart-" + name);
  vegaEmbed(el, spec, options).catch((error) => {
    el.textContent = "This chart could not be drawn: " + error.message;
    el.classList.add("failed");
    console.error("chart " + name + ":", error);
  });
}
`;

const SECTIONS: Record<
  ReportSection | "model",
  { title: string; empty: string }
> = {
  training: {
    title: "Training",
    empty: "No training history (no train input).",
  },
  data: {
    title: "Data",
    empty: "No data set facts (no ingest or decode input).",
  },
  evaluation: {
    title: "Evaluation",
    empty: "No evaluation metrics (no evaluate input).",
  },
  model: { title: "Model", empty: "No model facts (no model input)." },
  pipeline: { title: "Pipeline", empty: "No stage run records." },
};

/**
 * The report as one self-contained HTML page: header with the key numbers
 * and notes on missing inputs, then training, data, evaluation, model and
 * pipeline sections. The vega, vega-lite and vega-embed bundles and all
 * data are inline, and a Content-Security-Policy forbids every network
 * request, so the page works offline and from any location.
 */
export function reportHtml(options: ReportHtmlOptions): string {
  const { data, charts, bundles } = options;
  // The figures of a section in a grid, or "" when it has none.
  const figures = (section: ReportSection) => {
    const inside = charts.filter((c) => c.section === section).map((c) =>
      `<figure class="chart"><div class="vega" id="chart-${
        escapeHtml(c.name)
      }"></div></figure>`
    ).join("");
    return inside ? `<div class="grid">${inside}</div>` : "";
  };
  const section = (key: ReportSection | "model", ...parts: string[]) => {
    const body = parts.join("");
    return `<section id="${key}"><h2>${SECTIONS[key].title}</h2>${
      body ? body : `<p class="empty">${SECTIONS[key].empty}</p>`
    }</section>`;
  };
  const sections = [
    section(
      "training",
      figures("training"),
      topKNote(data, "train"),
      trainingFacts(data),
    ),
    section("data", figures("data"), dataFacts(data)),
    section("evaluation", figures("evaluation"), topKNote(data, "evaluate")),
    section("model", modelFacts(data)),
    section("pipeline", figures("pipeline"), pipelineTable(data)),
  ];
  const cards = keyNumbers(data).map((n) =>
    `<div class="card${
      n.value === "n/a" ? " missing" : ""
    }"><div class="label">${escapeHtml(n.label)}</div><div class="value">${
      escapeHtml(n.value)
    }</div><div class="detail">${escapeHtml(n.detail)}</div></div>`
  ).join("");
  const meta = [
    data.currentRun?.source === "runner"
      ? `Pipeline run ${data.currentRun.id}`
      : data.currentRun
      ? `Latest input from run ${data.currentRun.id}`
      : "",
    options.generatedAt ? `generated ${options.generatedAt.toISOString()}` : "",
  ].filter(Boolean).join(" · ");
  const chartData = charts.map(({ name, spec }) => ({ name, spec }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">${escapeHtml(meta)}</p>
<div class="cards">${cards}</div>
${notesList(data.notes)}
</header>
<main>
${sections.join("\n")}
</main>
<script>${scriptSafe(bundles.vega)}</script>
<script>${scriptSafe(bundles.vegaLite)}</script>
<script>${scriptSafe(bundles.vegaEmbed)}</script>
<script type="application/json" id="report-charts">${
    jsonForScript(chartData)
  }</script>
<script>${scriptSafe(BOOT)}</script>
</body>
</html>
`;
}
