/**
 * The pipeline report: reads upstream artifacts, builds vega-lite specs
 * (typed with vega-lite's own TopLevelSpec), renders them headless to SVG
 * and PNG, and writes a self-contained report.html.
 *
 * The spec builders are light; `renderSvg` loads vega, `svgToPng` loads
 * sharp, and `writeReport` both: import those lazily where start-up matters.
 *
 * @example Charts from a training history
 * ```ts
 * import { epochMetricSpec, lrScheduleSpec } from "./mod.ts";
 *
 * const history = {
 *   epochsPlanned: 3,
 *   lrSchedule: [1e-5, 2e-4, 2e-5],
 *   epochs: [{ epoch: 1, lr: 1e-5, loss: 2.3, accuracy: { "1": 0.4 } }],
 * };
 * const lr = lrScheduleSpec(history);
 * const loss = epochMetricSpec(history, { kind: "loss" });
 * ```
 *
 * @module
 */
export {
  ClassCountsSchema,
  DatasetSchema,
  DecodeSchema,
  EpochSchema,
  HistorySchema,
  LabelsSchema,
  MetricsSchema,
  ModelConfigSchema,
  PredictorMetricsSchema,
  RunRecordSchema,
} from "./artifact_schemas.ts";
export type {
  ClassCounts,
  Dataset,
  Epoch,
  History,
  Labels,
  Metrics,
  PredictorMetrics,
  RunRecord,
} from "./artifact_schemas.ts";
export {
  classHistogramSpec,
  MAX_NAMED_CLASSES,
} from "./charts/class_histogram_chart.ts";
export { classNames } from "./class_names.ts";
export type { ClassNamesOptions } from "./class_names.ts";
export { confusionMatrixSpec } from "./charts/confusion_matrix_chart.ts";
export { epochMetricSpec, historyTopK } from "./charts/epoch_metric_chart.ts";
export type { EpochMetric } from "./charts/epoch_metric_chart.ts";
export { keyNumbers } from "./key_numbers.ts";
export type { KeyNumber } from "./key_numbers.ts";
export { loadReportData, REPORT_INPUTS } from "./load_report_data.ts";
export type { LoadReportDataOptions, ReportData } from "./load_report_data.ts";
export type { StageRun } from "./artifact_schemas.ts";
export { lrScheduleSpec } from "./charts/lr_schedule_chart.ts";
export { metricsTableSpec } from "./charts/metrics_table_chart.ts";
export { perClassAccuracySpec } from "./charts/per_class_accuracy_chart.ts";
export { pipelineSpec } from "./charts/pipeline_chart.ts";
export { predictors } from "./predictors.ts";
export type { Predictor } from "./predictors.ts";
export { renderSvg } from "./render_svg.ts";
export { classCount, REPORT_SECTIONS, reportCharts } from "./report_charts.ts";
export type { ReportChart, ReportSection } from "./report_charts.ts";
export { reportHtml } from "./report_html.ts";
export type { ReportHtmlOptions } from "./report_html.ts";
export { ReportInputError } from "./report_input_error.ts";
export { hiddenTopKNote, shownTopK } from "./shown_top_k.ts";
export { runSummary, stageStatus, statusText } from "./stage_status.ts";
export type { CurrentRun, StageStatus } from "./stage_status.ts";
export { svgToPng } from "./svg_to_png.ts";
export { readVegaBundles } from "./vega_bundles.ts";
export type { VegaBundles } from "./vega_bundles.ts";
export { writeReport } from "./write_report.ts";
export type { WriteReportOptions, WrittenReport } from "./write_report.ts";
