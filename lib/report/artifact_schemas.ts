/**
 * The parts of the upstream artifacts (see ARTIFACTS.md) that the report
 * reads, as zod schemas. Unknown fields are ignored, so producers may add
 * fields freely; a field the report uses must have the documented type.
 *
 * @module
 */
import { z } from "zod";

/** `_run.json`, written by the runner into every artifact. */
export const RunRecordSchema = z.object({
  stage: z.string(),
  uses: z.string().optional(),
  key: z.string().optional(),
  runId: z.string().optional(),
  startedAt: z.string().optional(),
  durationMs: z.number().nonnegative().optional(),
  summary: z.record(z.string(), z.unknown()).nullish(),
  /** Where it ran: a child of the runner, or a Slurm job on a node. */
  where: z.object({
    executor: z.string(),
    host: z.string(),
    jobId: z.string().optional(),
  }).optional(),
});
/** One stage's run record. */
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** ingest/dataset.json */
export const DatasetSchema = z.object({
  classes: z.number().int().nonnegative(),
  records: z.number().int().nonnegative().optional(),
  splits: z.record(z.string(), z.number()).optional(),
  skipped: z.number().int().nonnegative().optional(),
  source: z.unknown().optional(),
});
/** The dataset description. */
export type Dataset = z.infer<typeof DatasetSchema>;

/** ingest/labels.json */
export const LabelsSchema = z.array(z.object({
  label: z.number().int().nonnegative(),
  id: z.union([z.string(), z.number()]).optional(),
  name: z.string().nullish(),
}));
/** Class names and ids by label. */
export type Labels = z.infer<typeof LabelsSchema>;

/** ingest/class_counts.json */
export const ClassCountsSchema = z.array(z.object({
  label: z.number().int().nonnegative(),
  train: z.number().nonnegative(),
  holdout: z.number().nonnegative(),
}));
/** Images per class and split. */
export type ClassCounts = z.infer<typeof ClassCountsSchema>;

/** decode/decode.json (shown as key/value facts). */
export const DecodeSchema = z.record(z.string(), z.unknown());

/** model/model_config.json (shown as key/value facts). */
export const ModelConfigSchema = z.record(z.string(), z.unknown());

/** One epoch of train/history.json. */
export const EpochSchema = z.object({
  epoch: z.number().int().positive(),
  lr: z.number().optional(),
  loss: z.number(),
  accuracy: z.record(z.string(), z.number()).default({}),
  accuracyPlain: z.record(z.string(), z.number()).optional(),
  marginScale: z.number().optional(),
  holdout: z.object({
    top1: z.number(),
    gap: z.number(),
    knnTop1: z.number().optional(),
    knnGap: z.number().optional(),
  }).optional(),
  seconds: z.number().optional(),
  imagesPerSecond: z.number().optional(),
});
/** One trained epoch. */
export type Epoch = z.infer<typeof EpochSchema>;

/** train/history.json */
export const HistorySchema = z.object({
  backend: z.string().optional(),
  versions: z.record(z.string(), z.string()).optional(),
  batchSize: z.number().optional(),
  stepsPerEpoch: z.number().optional(),
  epochsPlanned: z.number().int().nonnegative().optional(),
  lrSchedule: z.array(z.number()).default([]),
  epochs: z.array(EpochSchema),
  monitor: z.string().optional(),
  best: z.object({ epoch: z.number(), loss: z.number() }).nullish(),
  warnings: z.array(z.string()).optional(),
});
/** The training history. */
export type History = z.infer<typeof HistorySchema>;

/** The metrics of one predictor in evaluate/metrics.json. */
export const PredictorMetricsSchema = z.object({
  topk: z.record(z.string(), z.number()),
  gap: z.number().nullable(),
  perClass: z.array(z.object({
    label: z.number().int().nonnegative(),
    name: z.string().nullish(),
    count: z.number().nonnegative(),
    accuracy: z.number().nullable(),
  })).default([]),
  confusion: z.array(z.array(z.number())).nullish(),
});
/** Metrics of the classifier or of kNN. */
export type PredictorMetrics = z.infer<typeof PredictorMetricsSchema>;

/** evaluate/metrics.json */
export const MetricsSchema = z.object({
  split: z.string().optional(),
  queries: z.number().int().nonnegative().optional(),
  classes: z.number().int().nonnegative().optional(),
  labels: z.array(z.union([z.string(), z.number()]).nullable()).optional(),
  classifier: PredictorMetricsSchema.nullish(),
  knn: PredictorMetricsSchema.extend({
    k: z.number().int().positive().optional(),
    voting: z.string().optional(),
  }).nullish(),
});
/** The evaluation metrics. */
export type Metrics = z.infer<typeof MetricsSchema>;

/** A stage's run record and the input it came from. */
export interface StageRun extends RunRecord {
  /** The plot stage's input name that holds this artifact. */
  input: string;
}
