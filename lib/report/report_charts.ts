import type { TopLevelSpec } from "vega-lite";
import { classHistogramSpec } from "./charts/class_histogram_chart.ts";
import { classNames } from "./class_names.ts";
import { confusionMatrixSpec } from "./charts/confusion_matrix_chart.ts";
import { epochMetricSpec, historyTopK } from "./charts/epoch_metric_chart.ts";
import { trainVsHoldoutSpec } from "./charts/train_vs_holdout_chart.ts";
import type { ReportData } from "./load_report_data.ts";
import { lrScheduleSpec } from "./charts/lr_schedule_chart.ts";
import { metricsTableSpec } from "./charts/metrics_table_chart.ts";
import { perClassAccuracySpec } from "./charts/per_class_accuracy_chart.ts";
import { pipelineSpec } from "./charts/pipeline_chart.ts";
import { predictors } from "./predictors.ts";
import { shownTopK } from "./shown_top_k.ts";

/** The report's sections, in page order. */
export const REPORT_SECTIONS = [
  "training",
  "data",
  "evaluation",
  "pipeline",
] as const;

/** A section of the report. */
export type ReportSection = typeof REPORT_SECTIONS[number];

/** One chart of the report. */
export interface ReportChart {
  /** File stem of its .svg/.png and the id of its element (snake_case). */
  name: string;
  /** Where it goes in the report. */
  section: ReportSection;
  /** The vega-lite spec, with its data inline. */
  spec: TopLevelSpec;
}

/** The number of classes, from whichever input knows it. */
export function classCount(data: ReportData): number {
  return data.dataset?.classes ?? data.metrics?.classes ??
    data.classCounts?.length ?? data.labels?.length ?? 0;
}

/**
 * Every chart the data allows, in page order; a chart whose data is absent
 * is left out (the report notes the missing input).
 */
export function reportCharts(data: ReportData): ReportChart[] {
  const charts: ReportChart[] = [];
  const add = (
    name: string,
    section: ReportSection,
    spec: TopLevelSpec | undefined,
  ) => {
    if (spec) charts.push({ name, section, spec });
  };
  const classes = classCount(data);
  const names = classNames({
    classes,
    labels: data.labels,
    metricsLabels: data.metrics?.labels,
  });
  const { history, metrics } = data;
  if (history) {
    add("lr_schedule", "training", lrScheduleSpec(history));
    add("loss", "training", epochMetricSpec(history, { kind: "loss" }));
    add("train_vs_holdout", "training", trainVsHoldoutSpec(history));
    for (const k of shownTopK(historyTopK(history), classes)) {
      add(
        `accuracy_top${k}`,
        "training",
        epochMetricSpec(history, { kind: "accuracy", k }),
      );
    }
  }
  if (data.classCounts) {
    add("class_histogram", "data", classHistogramSpec(data.classCounts, names));
  }
  if (metrics) {
    const list = predictors(metrics);
    add("metrics", "evaluation", metricsTableSpec(metrics));
    add("per_class_accuracy", "evaluation", perClassAccuracySpec(list, names));
    for (const predictor of list) {
      add(
        `confusion_${predictor.key}`,
        "evaluation",
        confusionMatrixSpec(predictor, names),
      );
    }
  }
  add("pipeline", "pipeline", pipelineSpec(data.runs, data.currentRun));
  return charts;
}
