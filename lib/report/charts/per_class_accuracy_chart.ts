import type { TopLevelSpec } from "vega-lite";
import { BASE, CLASS_AXIS, COLORS, HEIGHT, WIDTH } from "./_chart_base.ts";
import { MAX_NAMED_CLASSES } from "./class_histogram_chart.ts";
import type { Predictor } from "../predictors.ts";

/**
 * Top-1 accuracy per true class for each predictor. Up to
 * {@linkcode MAX_NAMED_CLASSES} classes: bars per class; above: how many
 * classes reach each accuracy (a histogram per predictor). Classes without
 * queries are left out. Undefined when no predictor has per-class figures.
 *
 * @param names display names by class index
 */
export function perClassAccuracySpec(
  list: readonly Predictor[],
  names: readonly string[],
): TopLevelSpec | undefined {
  const values = list.flatMap((p) =>
    p.metrics.perClass.flatMap((c) =>
      c.accuracy === null ? [] : [{
        predictor: p.title,
        label: c.label,
        class: names[c.label] ?? c.name ?? String(c.label),
        count: c.count,
        accuracy: c.accuracy,
      }]
    )
  );
  if (values.length === 0) return undefined;
  const classes = new Set(values.map((v) => v.label)).size;
  const order = list.map((p) => p.title);
  const color = {
    field: "predictor",
    type: "nominal" as const,
    title: null,
    scale: {
      domain: order,
      range: list.map((p) => COLORS[p.key]),
    },
  };
  if (classes <= MAX_NAMED_CLASSES) {
    return {
      ...BASE,
      title: {
        text: "Accuracy per class",
        subtitle: "top-1, on the evaluated split",
      },
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: "bar" },
      encoding: {
        x: CLASS_AXIS,
        xOffset: { field: "predictor", sort: order },
        y: {
          field: "accuracy",
          type: "quantitative",
          title: "accuracy",
          scale: { domain: [0, 1] },
          axis: { format: ".0%" },
        },
        color: {
          ...color,
          legend: { orient: "top", direction: "horizontal" },
        },
        tooltip: [
          { field: "class", type: "nominal", title: "class" },
          { field: "predictor", type: "nominal", title: "predictor" },
          {
            field: "accuracy",
            type: "quantitative",
            title: "accuracy",
            format: ".1%",
          },
          { field: "count", type: "quantitative", title: "queries" },
        ],
      },
    };
  }
  const bin = { extent: [0, 1] as [number, number], step: 0.1 };
  return {
    ...BASE,
    title: {
      text: "Accuracy per class (distribution)",
      subtitle: `top-1 accuracy of each of ${classes} classes`,
    },
    data: { values },
    facet: {
      column: {
        field: "predictor",
        type: "nominal",
        sort: order,
        title: null,
        header: { labelFontSize: 12 },
      },
    },
    spec: {
      width: WIDTH / 2 - 20,
      height: HEIGHT,
      mark: { type: "bar" },
      encoding: {
        x: {
          field: "accuracy",
          type: "quantitative",
          bin,
          title: "accuracy",
          axis: { format: ".0%" },
        },
        y: { aggregate: "count", type: "quantitative", title: "classes" },
        color: { ...color, legend: null },
        tooltip: [
          {
            field: "accuracy",
            type: "quantitative",
            bin,
            title: "accuracy",
            format: ".0%",
          },
          { aggregate: "count", type: "quantitative", title: "classes" },
        ],
      },
    },
  };
}
