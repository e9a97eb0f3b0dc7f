import type { History } from "../artifact_schemas.ts";

/**
 * The x encoding of per-epoch charts: integer epochs from 1 to the last
 * planned (or trained) epoch, so that every per-epoch chart lines up with
 * the learning-rate schedule.
 */
export function epochAxis(history: History) {
  const lastEpoch = Math.max(
    history.epochsPlanned ?? 0,
    history.lrSchedule.length,
    history.epochs.at(-1)?.epoch ?? 0,
  );
  const single = lastEpoch <= 1;
  return {
    field: "epoch",
    type: "quantitative" as const,
    title: "epoch",
    // One epoch: a domain around it, or the scale would collapse to a point.
    scale: { domain: single ? [0.5, 1.5] : [1, lastEpoch], nice: false },
    axis: single
      ? { values: [1], format: "d" }
      : { tickMinStep: 1, format: "d", grid: true },
  };
}
