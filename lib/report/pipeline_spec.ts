import type { TopLevelSpec } from "vega-lite";
import { BASE, COLORS } from "./_chart_base.ts";
import { formatDuration } from "./_format.ts";
import type { StageRun } from "./load_report_data.ts";
import { stageStatus, STATUS_TEXT } from "./stage_status.ts";

const STATUS_COLORS = {
  ran: COLORS.line,
  cached: COLORS.muted,
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
  currentRunId: string | undefined,
): TopLevelSpec | undefined {
  if (runs.length === 0) return undefined;
  const values = runs.map((run) => ({
    stage: run.stage,
    uses: run.uses ?? run.stage,
    seconds: (run.durationMs ?? 0) / 1000,
    duration: run.durationMs === undefined
      ? "?"
      : formatDuration(run.durationMs),
    status: STATUS_TEXT[stageStatus(run, currentRunId)],
    startedAt: run.startedAt ?? "?",
    runId: run.runId ?? "?",
    key: run.key ? run.key.slice(0, 19) : "?",
  }));
  const ran = values.filter((v) => v.status === STATUS_TEXT.ran).length;
  const statuses = (Object.keys(STATUS_TEXT) as (keyof typeof STATUS_TEXT)[])
    .filter((s) => values.some((v) => v.status === STATUS_TEXT[s]));
  const maxSeconds = Math.max(...values.map((v) => v.seconds), 1e-3);
  return {
    ...BASE,
    title: {
      text: "Pipeline",
      subtitle: currentRunId
        ? `${ran} of ${values.length} stages ran in this run (${currentRunId}), ${
          values.length - ran
        } came from the cache`
        : "time per stage",
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
              domain: statuses.map((s) => STATUS_TEXT[s]),
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
