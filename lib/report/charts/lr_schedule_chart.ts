import type { TopLevelSpec } from "vega-lite";
import type { History } from "../artifact_schemas.ts";
import { BASE, COLORS, HEIGHT, WIDTH } from "./_chart_base.ts";
import { epochAxis } from "./_epoch_axis.ts";
import { formatExponent } from "../format.ts";

/**
 * The learning rate of every planned epoch (as the notebook's
 * plot_lr_schedule), epochs already trained drawn in colour and the rest in
 * grey. Undefined when the history has no schedule.
 */
export function lrScheduleSpec(history: History): TopLevelSpec | undefined {
  const schedule = history.lrSchedule;
  if (schedule.length === 0) return undefined;
  const trained = history.epochs.length;
  const values = schedule.map((lr, i) => ({
    epoch: i + 1,
    lr,
    status: i < trained ? "trained" : "planned",
  }));
  const max = Math.max(...schedule);
  const statuses = (["trained", "planned"] as const).filter((status) =>
    values.some((v) => v.status === status)
  );
  return {
    ...BASE,
    title: {
      text: "Learning-rate schedule",
      subtitle: `start ${formatExponent(schedule[0])}, max ${
        formatExponent(max)
      }, final ${formatExponent(schedule.at(-1)!)}; ${trained} of ${
        history.epochsPlanned ?? schedule.length
      } epochs trained`,
    },
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    encoding: {
      x: epochAxis(history),
      y: {
        field: "lr",
        type: "quantitative",
        title: "learning rate",
        // d3 "~e" gives 2e-4; 0 is written plainly instead of 0e+0.
        axis: {
          format: "~e",
          labelExpr: "datum.value === 0 ? '0' : datum.label",
        },
      },
    },
    layer: [
      { mark: { type: "line", color: COLORS.line, strokeWidth: 2 } },
      {
        mark: { type: "point", filled: true, size: 60, opacity: 1 },
        encoding: {
          color: {
            field: "status",
            type: "nominal",
            title: null,
            scale: {
              domain: [...statuses],
              range: statuses.map((s) =>
                s === "trained" ? COLORS.line : COLORS.muted
              ),
            },
            legend: { orient: "top", direction: "horizontal" },
          },
          tooltip: [
            { field: "epoch", type: "quantitative", title: "epoch" },
            {
              field: "lr",
              type: "quantitative",
              title: "learning rate",
              format: ".3~e",
            },
            { field: "status", type: "nominal", title: "status" },
          ],
        },
      },
    ],
  };
}
