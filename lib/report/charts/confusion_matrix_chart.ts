import type { TopLevelSpec } from "vega-lite";
import { BASE } from "./_chart_base.ts";
import type { Predictor } from "../predictors.ts";

/** Up to this many classes, each cell shows its count. */
const MAX_CLASSES_WITH_COUNTS = 20;

/**
 * A predictor's confusion matrix as a heatmap: rows are the true class,
 * columns the prediction; a cell's shade is the fraction of its true class
 * (row-normalised, so every class is on the same 0–1 scale), its text the
 * count. Undefined when the predictor has no matrix (more than 50 classes).
 *
 * @param names display names by class index
 */
export function confusionMatrixSpec(
  predictor: Predictor,
  names: readonly string[],
): TopLevelSpec | undefined {
  const matrix = predictor.metrics.confusion;
  if (!matrix || matrix.length === 0) return undefined;
  const classes = matrix.length;
  const name = (i: number) => names[i] ?? String(i);
  const values = matrix.flatMap((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count, p) => ({
      truth: name(t),
      predicted: name(p),
      count,
      rate: total > 0 ? count / total : 0,
    }));
  });
  const order = Array.from({ length: classes }, (_, i) => name(i));
  const step = classes <= 12
    ? 34
    : classes <= MAX_CLASSES_WITH_COUNTS
    ? 26
    : 14;
  const withCounts = classes <= MAX_CLASSES_WITH_COUNTS;
  return {
    ...BASE,
    title: {
      text: `Confusion matrix: ${predictor.title}`,
      subtitle:
        "rows: true class, columns: predicted; shade = share of the true class; blank = 0",
    },
    width: { step },
    height: { step },
    data: { values },
    encoding: {
      x: {
        field: "predicted",
        type: "nominal",
        sort: order,
        title: "predicted",
        axis: { labelAngle: -45, labelLimit: 120 },
      },
      y: {
        field: "truth",
        type: "nominal",
        sort: order,
        title: "true class",
        axis: { labelLimit: 120 },
      },
      tooltip: [
        { field: "truth", type: "nominal", title: "true class" },
        { field: "predicted", type: "nominal", title: "predicted" },
        { field: "count", type: "quantitative", title: "count" },
        {
          field: "rate",
          type: "quantitative",
          title: "of true class",
          format: ".1%",
        },
      ],
    },
    layer: [
      {
        mark: { type: "rect" },
        encoding: {
          color: {
            field: "rate",
            type: "quantitative",
            title: "of true class",
            // From white, so that empty cells recede and errors stand out.
            scale: {
              domain: [0, 1],
              range: ["#ffffff", "#08519c"],
              interpolate: "lab",
            },
            legend: {
              format: ".0%",
              gradientLength: Math.min(200, step * classes),
            },
          },
        },
      },
      ...(withCounts
        ? [{
          mark: { type: "text" as const, fontSize: classes <= 12 ? 11 : 9 },
          // Zero cells stay blank: the eye finds the confusions.
          transform: [{ filter: "datum.count > 0" }],
          encoding: {
            text: { field: "count", type: "quantitative" as const },
            color: {
              condition: { test: "datum.rate > 0.5", value: "white" },
              value: "black",
            },
          },
        }]
        : []),
    ],
  };
}
