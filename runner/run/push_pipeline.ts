/**
 * `deno task push`: sends the latest run of every stage of a pipeline (its
 * heads) to the remote cache, with everything they name, so that a run
 * elsewhere pulls instead of running.
 *
 * @module
 */
import { digestBytes } from "../cache/digest.ts";
import { RemoteCacheError } from "../cache/remote_cache.ts";
import { readHeads, readRunRecord } from "../cache/run_record.ts";
import { Store } from "../cache/store.ts";
import type { Pipeline } from "../pipeline/load_pipeline.ts";
import { SILENT_REPORTER } from "./run_reporter.ts";

/** What `push` did. */
export interface PushReport {
  /** The remote's URL. */
  remote: string;
  /** Stages whose latest run was pushed. */
  pushed: string[];
  /** Stages with no run in the local cache (run them first). */
  missing: string[];
}

/**
 * Pushes the heads of `pipeline`.
 *
 * @throws {RemoteCacheError} when there is no remote, it is read-only, or a push fails.
 */
export async function pushPipeline(pipeline: Pipeline): Promise<PushReport> {
  // Loaded only when pushing: every run loads this module through mod.ts.
  const { openRemoteSession } = await import("./remote_session.ts");
  const { pushRun } = await import("../cache/push_run.ts");
  const session = openRemoteSession(pipeline, SILENT_REPORTER);
  if (!session) {
    throw new RemoteCacheError(
      `Cannot push pipeline "${pipeline.name}": it has no remote cache`,
      "refused",
      {
        hint: "add remote: <url> to the pipeline file, or give --remote <url>",
      },
    );
  }
  if (session.readOnly) {
    throw new RemoteCacheError(
      `Cannot push to the remote cache ${session.remote.displayUrl}: it is read-only here`,
      "refused",
      { hint: "drop remote.read_only (or --remote-read-only) to push" },
    );
  }
  const store = new Store(pipeline.cacheDir);
  const heads = await readHeads(
    pipeline.cacheDir,
    await digestBytes(pipeline.path),
  );
  const report: PushReport = {
    remote: session.remote.displayUrl,
    pushed: [],
    missing: [],
  };
  for (const stage of pipeline.stages) {
    const key = heads[stage.name];
    const record = key
      ? await readRunRecord(pipeline.cacheDir, key)
      : undefined;
    if (!record) {
      report.missing.push(stage.name);
      continue;
    }
    await pushRun(session.remote, record, store);
    report.pushed.push(stage.name);
  }
  return report;
}
