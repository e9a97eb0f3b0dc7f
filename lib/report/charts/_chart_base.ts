import type { Config, TopLevelSpec } from "vega-lite";

/**
 * Fonts in the order a renderer should try them: DejaVu Sans is what
 * librsvg finds on Debian (fonts-dejavu-core); browsers elsewhere fall back.
 */
export const FONT = "DejaVu Sans, Verdana, Arial, sans-serif";

/** Plot area of a single chart, in CSS pixels. */
export const WIDTH = 460;
/** Plot area height of a single chart. */
export const HEIGHT = 220;

/** Colours used across charts. */
export const COLORS = {
  line: "#4c78a8",
  best: "#e45756",
  muted: "#b0b0b0",
  train: "#4c78a8",
  holdout: "#f58518",
  classifier: "#4c78a8",
  knn: "#54a24b",
} as const;

const CONFIG: Config = {
  font: FONT,
  title: { anchor: "start", fontSize: 15, subtitleFontSize: 12, offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 140 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  view: { stroke: "#ddd" },
};

/** What every chart shares: white background, padding and the theme. */
export const BASE: Pick<TopLevelSpec, "background" | "padding" | "config"> = {
  background: "white",
  padding: 12,
  config: CONFIG,
};

/** The x encoding of per-class bar charts: class names in label order, slanted. */
export const CLASS_AXIS = {
  field: "class",
  type: "nominal" as const,
  title: null,
  sort: { field: "label" },
  axis: { labelAngle: -40, labelLimit: 120 },
};
