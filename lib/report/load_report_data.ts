import type { z } from "zod";
import {
  ClassCountsSchema,
  DatasetSchema,
  DecodeSchema,
  HistorySchema,
  LabelsSchema,
  MetricsSchema,
  ModelConfigSchema,
  RunRecordSchema,
} from "./artifact_schemas.ts";
import type {
  ClassCounts,
  Dataset,
  History,
  Labels,
  Metrics,
  StageRun,
} from "./artifact_schemas.ts";
import { ReportInputError } from "./report_input_error.ts";
import type { CurrentRun } from "./stage_status.ts";

/** The input names the report knows, in pipeline order. */
export const REPORT_INPUTS = [
  "ingest",
  "decode",
  "model",
  "train",
  "evaluate",
] as const;

/** Everything the report shows, read from the upstream artifacts. */
export interface ReportData {
  /** The report's title. */
  title: string;
  /** ingest/dataset.json */
  dataset?: Dataset;
  /** ingest/labels.json */
  labels?: Labels;
  /** ingest/class_counts.json */
  classCounts?: ClassCounts;
  /** decode/decode.json */
  decode?: Record<string, unknown>;
  /** decode/batch_grid.png, as bytes. */
  batchGrid?: Uint8Array;
  /** model/model_config.json */
  modelConfig?: Record<string, unknown>;
  /** train/history.json */
  history?: History;
  /** evaluate/metrics.json */
  metrics?: Metrics;
  /** The `_run.json` of each input present, in pipeline order. */
  runs: StageRun[];
  /** The pipeline run the report is made in (see {@linkcode CurrentRun}), when any input tells. */
  currentRun?: CurrentRun;
  /** Sentences on what is missing, shown at the top of the report. */
  notes: string[];
}

/** Options of {@linkcode loadReportData}. */
export interface LoadReportDataOptions {
  /** Artifact directories by input name (any of {@linkcode REPORT_INPUTS}; others are ignored). */
  inputs: Readonly<Record<string, string>>;
  /** The report's title. */
  title: string;
  /**
   * The id of the pipeline run making the report, from the runner. Inputs
   * whose `_run.json` has another runId are shown as cached. @default
   * unknown: the run of the most recently started input is taken as the
   * latest run (and worded so)
   */
  currentRunId?: string;
}

const WHAT_IS_MISSING: Record<string, string> = {
  ingest: "dataset facts and the class histogram",
  decode: "the batch grid",
  model: "the model facts",
  train: "the learning-rate schedule and the training curves",
  evaluate: "the evaluation metrics",
};

/**
 * Reads the upstream artifacts the report uses. A missing input or file
 * becomes a note in the report; a file that exists but is malformed is an
 * error, since it means a producer broke the artifact contract.
 *
 * @throws {ReportInputError} when a file is not valid JSON or has the wrong shape
 */
export async function loadReportData(
  options: LoadReportDataOptions,
): Promise<ReportData> {
  const { inputs, title } = options;
  const notes: string[] = [];
  const data: ReportData = { title, runs: [], notes };
  const read = <S extends z.ZodType>(input: string, path: string, schema: S) =>
    readJson(inputs[input], input, path, schema, notes);
  for (const input of REPORT_INPUTS) {
    if (inputs[input] === undefined) {
      notes.push(
        `No "${input}" input: ${WHAT_IS_MISSING[input]} cannot be shown.`,
      );
      continue;
    }
    const run = await read(input, "_run.json", RunRecordSchema);
    if (run) data.runs.push({ ...run, input });
  }
  if (inputs.ingest) {
    data.dataset = await read("ingest", "dataset.json", DatasetSchema);
    data.labels = await read("ingest", "labels.json", LabelsSchema);
    data.classCounts = await read(
      "ingest",
      "class_counts.json",
      ClassCountsSchema,
    );
  }
  if (inputs.decode) {
    data.decode = await read("decode", "decode.json", DecodeSchema);
    data.batchGrid = await readBytes(
      inputs.decode,
      "decode",
      "batch_grid.png",
      notes,
    );
  }
  if (inputs.model) {
    data.modelConfig = await read(
      "model",
      "model_config.json",
      ModelConfigSchema,
    );
  }
  if (inputs.train) {
    data.history = await read("train", "history.json", HistorySchema);
  }
  if (inputs.evaluate) {
    data.metrics = await read("evaluate", "metrics.json", MetricsSchema);
  }
  data.currentRun = options.currentRunId !== undefined
    ? { source: "runner", id: options.currentRunId }
    : latestRun(data.runs);
  return data;
}

function latestRun(runs: StageRun[]): CurrentRun | undefined {
  let latest: StageRun | undefined;
  for (const run of runs) {
    if (
      run.runId && run.startedAt &&
      (!latest || run.startedAt > latest.startedAt!)
    ) {
      latest = run;
    }
  }
  return latest ? { source: "latest-input", id: latest.runId! } : undefined;
}

async function readBytes(
  dir: string,
  input: string,
  path: string,
  notes: string[],
): Promise<Uint8Array | undefined> {
  const name = `${input}/${path}`;
  try {
    return await Deno.readFile(`${dir}/${path}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new ReportInputError(
        `Cannot read ${name}: ${(error as Error).message}`,
        name,
        undefined,
        "the plot stage reads its inputs' files; check their permissions",
        { cause: error },
      );
    }
    notes.push(`${name} is missing.`);
    return undefined;
  }
}

async function readJson<S extends z.ZodType>(
  dir: string,
  input: string,
  path: string,
  schema: S,
  notes: string[],
): Promise<z.output<S> | undefined> {
  const name = `${input}/${path}`;
  const bytes = await readBytes(dir, input, path, notes);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ReportInputError(
      `Cannot parse ${name}: ${(error as Error).message}`,
      name,
      undefined,
      "the file must be JSON as described in ARTIFACTS.md",
      { cause: error },
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join(".") || "(root)";
    throw new ReportInputError(
      `Cannot read ${name}: ${field}: ${issue.message}`,
      name,
      field,
      "the file must match ARTIFACTS.md",
    );
  }
  return parsed.data;
}
