/**
 * What ingest reports for each record it left out under `on_error: skip`.
 *
 * @module
 */
import { RecordError } from "../tfrecord/record_error.ts";

/** One skipped record (or the unreadable rest of a file). */
export interface SkippedRecord {
  /** The file, relative to the pipeline directory where possible. */
  file: string;
  /** Byte offset of the record (0 for a whole image file). */
  offset: number;
  /** Record index in the file, or row index in a CSV. */
  record: number;
  /** Why. */
  reason: string;
}

/** How a skipped record reads in a log: `file record N at byte B: reason`. */
export function describeSkipped(skipped: SkippedRecord): string {
  return `${skipped.file} record ${skipped.record} at byte ${skipped.offset}: ${skipped.reason}`;
}

/** Names each skipped record's file relative to `dir` (the pipeline's folder) when it lies inside it. */
export function relativeSkipped(
  skipped: readonly SkippedRecord[],
  dir: string,
): SkippedRecord[] {
  return skipped.map((s) => ({
    ...s,
    file: s.file.startsWith(`${dir}/`) ? s.file.slice(dir.length + 1) : s.file,
  }));
}

/** What to do with a bad record. */
export type OnError = "fail" | "skip";

/**
 * Applies the `on_error` policy: rethrows under `fail`, records under `skip`.
 * Non-RecordErrors (I/O, bugs) always propagate.
 */
export function handleBadRecord(
  error: unknown,
  onError: OnError,
  skipped: SkippedRecord[],
): RecordError {
  if (!(error instanceof RecordError) || onError === "fail") throw error;
  skipped.push({
    file: error.file,
    offset: error.offset,
    record: error.record,
    reason: error.resumeAt === undefined
      ? `${error.reason} (the rest of the file is unreadable)`
      : error.reason,
  });
  return error;
}
