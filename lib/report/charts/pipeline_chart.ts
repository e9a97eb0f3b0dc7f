import type { TopLevelSpec } from "vega-lite";
import { BASE, COLORS } from "./_chart_base.ts";
import { formatDuration } from "../format.ts";
import type { StageRun } from "../artifact_schemas.ts";
import { runSummary, stageStatus, statusText } from "../stage_status.ts";
import type { CurrentRun, StageStatus } from "../stage_status.ts";

const STATUS_COLORS: Record<StageStatus, string> = {
  ran: COLORS.line,
  earlier: COLORS.muted,
  unknown: "#d8b365",
};

/**
 * The pipeline panel: one bar per upstream stage with the time it took,
 * coloured by whether it ran in this pipeline run or was reused from the
 * cache, with start time, run id and cache key in the tooltip. Undefined
 * when no input has a run record.
 */
export function pipelineSpec(
  runs: readonly StageRun[],
  current: CurrentRun | undefined,
): TopLevelSpec | undefined {
  if (runs.length === 0) return undefined;
  const values = runs.map((run) => ({
    stage: run.stage,
    uses: run.uses ?? run.stage,
    seconds: (run.durationMs ?? 0) / 1000,
    duration: run.durationMs === undefined
      ? "?"
      : formatDuration(run.durationMs),
    status: statusText(stageStatus(run, current), current),
    startedAt: run.startedAt ?? "?",
    runId: run.runId ?? "?",
    key: run.key ? run.key.slice(0, 19) : "?",
  }));
  const statuses = (["ran", "earlier", "unknown"] as StageStatus[])
    .filter((status) =>
      runs.some((run) => stageStatus(run, current) === status)
    );
  const maxSeconds = Math.max(...values.map((v) => v.seconds), 1e-3);
  return {
    ...BASE,
    title: {
      text: "Pipeline",
      subtitle: runSummary(runs, current),
    },
    width: 480,
    height: { step: 30 },
    data: { values },
    encoding: {
      y: {
        field: "stage",
        type: "nominal",
        sort: values.map((v) => v.stage),
        title: null,
        axis: { labelFontSize: 12 },
      },
      x: {
        field: "seconds",
        type: "quantitative",
        title: "seconds",
        // Room on the right for the duration label of the longest bar.
        scale: { domain: [0, maxSeconds * 1.3], nice: false },
      },
      tooltip: [
        { field: "stage", type: "nominal", title: "stage" },
        { field: "uses", type: "nominal", title: "uses" },
        { field: "status", type: "nominal", title: "status" },
        { field: "duration", type: "nominal", title: "took" },
        { field: "startedAt", type: "nominal", title: "started" },
        { field: "runId", type: "nominal", title: "run" },
        { field: "key", type: "nominal", title: "cache key" },
      ],
    },
    layer: [
      {
        mark: { type: "bar", height: 18 },
        encoding: {
          color: {
            field: "status",
            type: "nominal",
            title: null,
            scale: {
              domain: statuses.map((s) => statusText(s, current)),
              range: statuses.map((s) => STATUS_COLORS[s]),
            },
            legend: { orient: "bottom", direction: "horizontal" },
          },
        },
      },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 11 },
        encoding: { text: { field: "duration", type: "nominal" } },
      },
    ],
  };
}
