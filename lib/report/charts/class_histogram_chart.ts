import type { TopLevelSpec } from "vega-lite";
import type { ClassCounts } from "../artifact_schemas.ts";
import { BASE, CLASS_AXIS, COLORS, HEIGHT, WIDTH } from "./_chart_base.ts";

/** Up to this many classes, each class gets its own bars. */
export const MAX_NAMED_CLASSES = 50;

const SPLIT_COLOR = {
  field: "split",
  type: "nominal" as const,
  title: null,
  scale: {
    domain: ["train", "holdout"],
    range: [COLORS.train, COLORS.holdout],
  },
};

/**
 * Images per class and split. Up to {@linkcode MAX_NAMED_CLASSES} classes:
 * a pair of bars per class, named. Above: the distribution of images per
 * class (a histogram per split), which stays readable for 81,313 classes.
 *
 * @param names display names by class index (see classNames)
 */
export function classHistogramSpec(
  counts: ClassCounts,
  names: readonly string[],
): TopLevelSpec | undefined {
  if (counts.length === 0) return undefined;
  const values = counts.flatMap((c) => [
    {
      label: c.label,
      class: names[c.label] ?? String(c.label),
      split: "train",
      images: c.train,
    },
    {
      label: c.label,
      class: names[c.label] ?? String(c.label),
      split: "holdout",
      images: c.holdout,
    },
  ]);
  const total = (split: "train" | "holdout") =>
    counts.reduce((sum, c) => sum + c[split], 0);
  const subtitle = `${counts.length} classes; ${total("train")} train and ${
    total("holdout")
  } holdout images`;
  if (counts.length <= MAX_NAMED_CLASSES) {
    return {
      ...BASE,
      title: { text: "Images per class", subtitle },
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: { type: "bar" },
      encoding: {
        x: CLASS_AXIS,
        xOffset: { field: "split", sort: ["train", "holdout"] },
        y: { field: "images", type: "quantitative", title: "images" },
        color: {
          ...SPLIT_COLOR,
          legend: { orient: "top", direction: "horizontal" },
        },
        tooltip: [
          { field: "class", type: "nominal", title: "class" },
          { field: "label", type: "quantitative", title: "label" },
          { field: "split", type: "nominal", title: "split" },
          { field: "images", type: "quantitative", title: "images" },
        ],
      },
    };
  }
  // One histogram per split, each binned over its own range (holdout
  // classes hold far fewer images than train ones).
  const histogram = (split: "train" | "holdout") => ({
    title: { text: split, fontSize: 12, fontWeight: "normal" as const },
    width: WIDTH / 2 - 20,
    height: HEIGHT,
    transform: [{ filter: `datum.split === '${split}'` }],
    mark: { type: "bar" as const, color: COLORS[split] },
    encoding: {
      x: {
        field: "images",
        type: "quantitative" as const,
        // Whole images: no bin narrower than 1.
        bin: { maxbins: 20, minstep: 1 },
        title: "images per class",
        axis: { format: "d" },
      },
      y: {
        aggregate: "count" as const,
        type: "quantitative" as const,
        title: "classes",
      },
      tooltip: [
        {
          field: "images",
          type: "quantitative" as const,
          bin: { maxbins: 20, minstep: 1 },
          title: "images per class",
        },
        {
          aggregate: "count" as const,
          type: "quantitative" as const,
          title: "classes",
        },
      ],
    },
  });
  return {
    ...BASE,
    title: { text: "Images per class (distribution)", subtitle },
    data: { values },
    hconcat: [histogram("train"), histogram("holdout")],
  };
}
