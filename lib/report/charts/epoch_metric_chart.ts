import type { TopLevelSpec } from "vega-lite";
import type { History } from "../artifact_schemas.ts";
import { BASE, COLORS, HEIGHT, WIDTH } from "./_chart_base.ts";
import { epochAxis } from "./_epoch_axis.ts";
import { bestIndex } from "../format.ts";

/** Which per-epoch training metric to plot. */
export type EpochMetric =
  | { kind: "loss" }
  | { kind: "accuracy"; k: string };

/** The top-k keys present in any epoch of a history ("1", "10", …). */
export function historyTopK(history: History): string[] {
  return [...new Set(history.epochs.flatMap((e) => Object.keys(e.accuracy)))];
}

/**
 * A training metric per epoch with the best epoch marked by a red dot, as
 * the notebook's plot_history_metric: lowest loss, highest accuracy (the
 * first one on ties, like np.argmin / np.argmax). Undefined when no epoch
 * has the metric.
 */
export function epochMetricSpec(
  history: History,
  metric: EpochMetric,
): TopLevelSpec | undefined {
  const values = history.epochs.flatMap((e) => {
    const value = metric.kind === "loss" ? e.loss : e.accuracy[metric.k];
    if (value === undefined || !Number.isFinite(value)) return [];
    return [{
      epoch: e.epoch,
      value,
      lr: e.lr ?? null,
      seconds: e.seconds ?? null,
    }];
  });
  if (values.length === 0) return undefined;
  const isLoss = metric.kind === "loss";
  const best = values[
    bestIndex(values.map((v) => v.value), isLoss ? "min" : "max")
  ];
  const name = isLoss ? "loss" : `top-${metric.k} accuracy`;
  const shown = isLoss
    ? best.value.toFixed(4)
    : `${(best.value * 100).toFixed(1)}%`;
  const format = isLoss ? ".4~f" : ".1%";
  return {
    ...BASE,
    title: {
      text: isLoss ? "Training loss" : `Top-${metric.k} accuracy (train)`,
      subtitle: `best: epoch ${best.epoch}, ${shown} (red dot)`,
    },
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    encoding: {
      x: epochAxis(history),
      y: {
        field: "value",
        type: "quantitative",
        title: name,
        // Zoom in on the loss curve, unless one value would make the domain a point.
        scale: isLoss
          ? { zero: new Set(values.map((v) => v.value)).size < 2 }
          : { domain: [0, 1] },
        axis: { format: isLoss ? "~r" : ".0%" },
      },
    },
    layer: [
      {
        mark: {
          type: "line",
          color: COLORS.line,
          strokeWidth: 2,
          point: { filled: true, size: 40, color: COLORS.line },
        },
        encoding: {
          tooltip: [
            { field: "epoch", type: "quantitative", title: "epoch" },
            { field: "value", type: "quantitative", title: name, format },
            { field: "lr", type: "quantitative", title: "lr", format: ".3~e" },
            {
              field: "seconds",
              type: "quantitative",
              title: "seconds",
              format: ".1f",
            },
          ],
        },
      },
      {
        data: { values: [best] },
        mark: {
          type: "point",
          filled: true,
          size: 110,
          color: COLORS.best,
          opacity: 1,
        },
        encoding: {
          tooltip: [
            { field: "epoch", type: "quantitative", title: "best epoch" },
            { field: "value", type: "quantitative", title: name, format },
          ],
        },
      },
    ],
  };
}
