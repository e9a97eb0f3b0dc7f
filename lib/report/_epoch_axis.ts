/** The x encoding of per-epoch charts: integer epochs from 1 to `lastEpoch`. */
export function epochAxis(lastEpoch: number) {
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
