import type { StageRun } from "./load_report_data.ts";

/** How a stage's artifact came to be in this pipeline run. */
export type StageStatus = "ran" | "cached" | "unknown";

/**
 * "ran" when the artifact's runId is the current run's, "cached" when it
 * comes from an earlier run, "unknown" when either id is missing.
 */
export function stageStatus(
  run: StageRun,
  currentRunId: string | undefined,
): StageStatus {
  if (run.runId === undefined || currentRunId === undefined) return "unknown";
  return run.runId === currentRunId ? "ran" : "cached";
}

/** Legend text of each status. */
export const STATUS_TEXT: Record<StageStatus, string> = {
  ran: "ran in this run",
  cached: "cached from an earlier run",
  unknown: "run unknown",
};
