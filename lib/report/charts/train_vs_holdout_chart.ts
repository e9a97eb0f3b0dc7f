/**
 * Top-1 accuracy per epoch, training against the holdout: the training
 * accuracy with the margin (the notebook's number), without it (what the
 * model would predict), and the holdout's classifier and kNN top-1 scored
 * after each epoch. The gap between the train and holdout lines is the
 * overfitting; the epoch the best checkpoint came from is marked.
 *
 * @module
 */
import type { TopLevelSpec } from "vega-lite";
import type { History } from "../artifact_schemas.ts";
import { BASE, HEIGHT, WIDTH } from "./_chart_base.ts";
import { epochAxis } from "./_epoch_axis.ts";

const SERIES = [
  "train (with margin)",
  "train (without margin)",
  "holdout classifier",
  "holdout kNN",
] as const;

/** The chart, or undefined when no epoch was validated on the holdout. */
export function trainVsHoldoutSpec(
  history: History,
): TopLevelSpec | undefined {
  if (!history.epochs.some((e) => e.holdout)) return undefined;
  const values = history.epochs.flatMap((e) => {
    const points: [typeof SERIES[number], number | undefined][] = [
      [SERIES[0], e.accuracy["1"]],
      [SERIES[1], e.accuracyPlain?.["1"]],
      [SERIES[2], e.holdout?.top1],
      [SERIES[3], e.holdout?.knnTop1],
    ];
    return points.filter(([, v]) => v !== undefined && Number.isFinite(v))
      .map(([series, value]) => ({ epoch: e.epoch, series, value }));
  });
  const present = SERIES.filter((s) => values.some((v) => v.series === s));
  const best = history.best?.epoch;
  const bestHoldout = history.epochs.find((e) => e.epoch === best)?.holdout;
  return {
    ...BASE,
    title: {
      text: "Top-1 accuracy: train against holdout",
      subtitle: bestHoldout
        ? `best checkpoint (by ${
          history.monitor ?? "loss"
        }): epoch ${best}, holdout top-1 ${
          (bestHoldout.top1 * 100).toFixed(1)
        }%${
          bestHoldout.knnTop1 !== undefined
            ? `, kNN ${(bestHoldout.knnTop1 * 100).toFixed(1)}%`
            : ""
        } (dashed line)`
        : "holdout scored after every epoch",
    },
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: "line", strokeWidth: 2, point: { size: 30 } },
        encoding: {
          x: epochAxis(history),
          y: {
            field: "value",
            type: "quantitative",
            title: "top-1 accuracy",
            scale: { domain: [0, 1] },
            axis: { format: ".0%" },
          },
          color: {
            field: "series",
            type: "nominal",
            title: null,
            scale: {
              domain: [...present],
              range: ["#9ecae9", "#4c78a8", "#f58518", "#54a24b"].filter((
                _,
                i,
              ) => present.includes(SERIES[i])),
            },
            legend: { orient: "bottom", columns: 2 },
          },
          strokeDash: {
            field: "series",
            type: "nominal",
            scale: {
              domain: [...present],
              range: present.map((s) => s === SERIES[0] ? [2, 2] : [1, 0]),
            },
            legend: null,
          },
          tooltip: [
            { field: "epoch", type: "quantitative" },
            { field: "series", type: "nominal" },
            { field: "value", type: "quantitative", format: ".1%" },
          ],
        },
      },
      ...(best === undefined ? [] : [{
        data: { values: [{ epoch: best }] },
        mark: { type: "rule" as const, strokeDash: [4, 4], color: "#e45756" },
        encoding: { x: { field: "epoch", type: "quantitative" as const } },
      }]),
    ],
  };
}
