/**
 * Parameter counts and a Keras-style text summary (layer, output shape,
 * params, inputs; then the totals) of a LayersModel.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";

/** Parameter counts as Keras reports them. */
export interface ParamCounts {
  /** Every weight, BatchNorm moving statistics included. */
  total: number;
  /** Weights the optimizer updates. */
  trainable: number;
  /** The rest (BatchNorm moving mean and variance). */
  nonTrainable: number;
}

const size = (shape: readonly (number | null)[]) =>
  shape.reduce<number>((n, d) => n * (d ?? 1), 1);

/** Counts the model's parameters. */
export function countModelParams(model: tfl.LayersModel): ParamCounts {
  const total = model.weights.reduce((n, w) => n + size(w.shape), 0);
  const trainable = model.trainableWeights.reduce(
    (n, w) => n + size(w.shape),
    0,
  );
  return { total, trainable, nonTrainable: total - trainable };
}

const WIDTHS = [40, 26, 13] as const;

function formatShape(shape: unknown): string {
  if (Array.isArray(shape) && shape.some(Array.isArray)) {
    return `[${shape.map(formatShape).join(", ")}]`;
  }
  const dims = (shape as (number | null)[]).map((
    d,
  ) => (d === null ? "None" : String(d)));
  return `(${dims.join(", ")}${dims.length === 1 ? "," : ""})`;
}

function row(cells: string[]): string {
  return " " +
    cells.map((
      cell,
      i,
    ) => (i < WIDTHS.length ? cell.padEnd(WIDTHS[i] - 1) : cell)).join(" ")
      .trimEnd();
}

/**
 * The Keras-style summary: one row per layer (name and class, output shape,
 * parameter count, the layers it receives), then the totals with thousands
 * separators (`Total params: 21,612,360`).
 */
export function modelSummary(model: tfl.LayersModel): string {
  const rule = "_".repeat(110);
  const lines = [
    `Model: "${model.name}"`,
    rule,
    row(["Layer (type)", "Output Shape", "Param #", "Connected to"]),
    "=".repeat(110),
  ];
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0];
    const inputs = node === undefined
      ? []
      : node.inboundLayers.map((inbound, i) =>
        `${inbound.name}[${node.nodeIndices[i]}][${node.tensorIndices[i]}]`
      );
    const cells = [
      `${layer.name} (${layer.getClassName()})`,
      formatShape(layer.outputShape),
      layer.countParams().toLocaleString("en-US"),
    ];
    lines.push(row([...cells, inputs[0] ?? ""]));
    for (const extra of inputs.slice(1)) lines.push(row(["", "", "", extra]));
  }
  const counts = countModelParams(model);
  lines.push(
    "=".repeat(110),
    `Total params: ${counts.total.toLocaleString("en-US")}`,
    `Trainable params: ${counts.trainable.toLocaleString("en-US")}`,
    `Non-trainable params: ${counts.nonTrainable.toLocaleString("en-US")}`,
    rule,
  );
  return lines.join("\n") + "\n";
}
