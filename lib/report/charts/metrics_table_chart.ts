import type { TopLevelSpec } from "vega-lite";
import { BASE } from "./_chart_base.ts";
import { formatPercent } from "../format.ts";
import type { Metrics } from "../artifact_schemas.ts";
import { predictors } from "../predictors.ts";
import { shownTopK } from "../shown_top_k.ts";

/**
 * The evaluation metrics as a shaded table: one column per predictor, one
 * row per metric (top-k accuracy for k below the class count, then GAP),
 * each cell coloured by its value on a 0–1 scale. Undefined without
 * predictors.
 */
export function metricsTableSpec(metrics: Metrics): TopLevelSpec | undefined {
  const list = predictors(metrics);
  if (list.length === 0) return undefined;
  const { split, queries } = metrics;
  const rows: string[] = [];
  const values = list.flatMap((p) => {
    const ks = shownTopK(Object.keys(p.metrics.topk), metrics.classes ?? 0);
    const cells = ks.map((k) => ({
      metric: `top-${k} accuracy`,
      value: p.metrics.topk[k],
      text: formatPercent(p.metrics.topk[k]),
    }));
    if (p.metrics.gap !== null) {
      cells.push({
        metric: "GAP",
        value: p.metrics.gap,
        text: p.metrics.gap.toFixed(4),
      });
    }
    for (const c of cells) if (!rows.includes(c.metric)) rows.push(c.metric);
    return cells.map((c) => ({ ...c, predictor: p.title }));
  });
  // Top-k rows by k, GAP last.
  rows.sort((a, b) =>
    (a === "GAP" ? Infinity : parseInt(a.slice(4))) -
    (b === "GAP" ? Infinity : parseInt(b.slice(4)))
  );
  const on = [split && `${split} split`, queries && `${queries} queries`]
    .filter(Boolean).join(", ");
  return {
    ...BASE,
    title: {
      text: "Evaluation metrics",
      subtitle: on
        ? `${on}; GAP = Global Average Precision`
        : "GAP = Global Average Precision",
    },
    width: { step: 170 },
    height: { step: 34 },
    data: { values },
    encoding: {
      x: {
        field: "predictor",
        type: "nominal",
        sort: list.map((p) => p.title),
        title: null,
        axis: {
          orient: "top",
          labelAngle: 0,
          labelFontSize: 12,
          labelFontWeight: "bold",
          domain: false,
          ticks: false,
        },
      },
      y: {
        field: "metric",
        type: "nominal",
        sort: rows,
        title: null,
        axis: { labelFontSize: 12, domain: false, ticks: false },
      },
      tooltip: [
        { field: "predictor", type: "nominal", title: "predictor" },
        { field: "metric", type: "nominal", title: "metric" },
        { field: "text", type: "nominal", title: "value" },
      ],
    },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 2 },
        encoding: {
          color: {
            field: "value",
            type: "quantitative",
            scale: { domain: [0, 1], scheme: "blues" },
            legend: null,
          },
        },
      },
      {
        mark: { type: "text", fontSize: 13 },
        encoding: {
          text: { field: "text", type: "nominal" },
          color: {
            condition: { test: "datum.value > 0.6", value: "white" },
            value: "black",
          },
        },
      },
    ],
    config: { ...BASE.config, view: { stroke: null } },
  };
}
