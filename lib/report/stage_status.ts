import type { StageRun } from "./artifact_schemas.ts";

/**
 * The pipeline run a report is made in: told by the runner, or, failing
 * that, guessed as the run of the most recently started input. The guess
 * is wrong when every input came from the cache (the plot stage re-ran
 * alone), so the report words it as "latest" rather than "this" run.
 */
export type CurrentRun =
  | { source: "runner"; id: string }
  | { source: "latest-input"; id: string };

/** Whether a stage's artifact was made in the current run or an earlier one. */
export type StageStatus = "ran" | "earlier" | "unknown";

/** The status of an input's artifact relative to the current run. */
export function stageStatus(
  run: StageRun,
  current: CurrentRun | undefined,
): StageStatus {
  if (run.runId === undefined || current === undefined) return "unknown";
  return run.runId === current.id ? "ran" : "earlier";
}

/** How a status is shown (legend and table text). */
export function statusText(
  status: StageStatus,
  current: CurrentRun | undefined,
): string {
  switch (status) {
    case "ran":
      return current?.source === "runner"
        ? "ran in this run"
        : "from the latest run";
    case "earlier":
      return current?.source === "runner"
        ? "cached from an earlier run"
        : "from an earlier run";
    case "unknown":
      return "run unknown";
  }
}

/** One sentence on how many stages ran now and how many came from the cache. */
export function runSummary(
  runs: readonly StageRun[],
  current: CurrentRun | undefined,
): string {
  if (current === undefined) return "time per stage";
  const ran = runs.filter((r) => stageStatus(r, current) === "ran").length;
  const rest = runs.length - ran;
  return current.source === "runner"
    ? `${ran} of ${runs.length} stages ran in this run (${current.id}), ${rest} came from the cache`
    : `${ran} of ${runs.length} inputs come from the latest run (${current.id}), ${rest} from earlier runs`;
}
