/**
 * The end of a successful stage run: the run-info file joins the output, the
 * staging directory moves into the store, the tree is materialised, and the
 * run record and the pipeline's head are written last.
 *
 * @module
 */
import type { ArtifactRef } from "../cache/artifact.ts";
import type { Facets } from "../cache/cache_key.ts";
import {
  type ArtifactReference,
  commitArtifact,
} from "../cache/commit_artifact.ts";
import type { Digest } from "../cache/digest.ts";
import { RUN_INFO_FILE } from "../cache/manifest.ts";
import {
  type RunRecord,
  type RunWhere,
  writeHead,
  writeRunRecord,
} from "../cache/run_record.ts";
import { materializeTree, removeTree } from "../cache/tree.ts";
import type { StageSummary } from "../define_stage.ts";
import type { StageResources } from "../resources.ts";
import type { RunState } from "./run_state.ts";

/** What a finished stage run left, to be committed. */
export interface FinishedRun {
  /** The stage's name. */
  stage: string;
  /** Its `uses:`. */
  uses: string;
  /** Its cache key. */
  key: Digest;
  /** Its facets. */
  facets: Facets;
  /** The staging directory holding its output. */
  staging: string;
  /** Files it referenced instead of copying (already accepted at the trust boundary). */
  references: readonly ArtifactReference[];
  /** Its limits on output size. */
  limits: Pick<StageResources, "maxOutputFiles" | "maxOutputBytes">;
  /** The pipeline invocation's id. */
  runId: string;
  /** When it started. */
  startedAt: Date;
  /** How long it ran. */
  durationMs: number;
  /** What its run() returned. */
  summary: StageSummary | null;
  /** Where it ran. */
  where: RunWhere;
}

/** What a committed output holds. */
export interface OutputSize {
  /** Files the stage wrote. */
  files: number;
  /** Their bytes. */
  bytes: number;
  /** Files it added by reference. */
  references: number;
}

/**
 * Stores the output of a finished run and records it.
 *
 * @throws {ArtifactError} when the output cannot become an artifact.
 */
export async function commitStage(
  run: FinishedRun,
  state: RunState,
): Promise<{ artifact: ArtifactRef; output: OutputSize }> {
  const { pipeline, store } = state;
  const runInfo = {
    stage: run.stage,
    uses: run.uses,
    key: run.key,
    runId: run.runId,
    startedAt: run.startedAt.toISOString(),
    durationMs: run.durationMs,
    summary: run.summary,
    where: run.where,
  };
  await Deno.writeTextFile(
    `${run.staging}/${RUN_INFO_FILE}`,
    `${JSON.stringify(runInfo, null, 1)}\n`,
  );
  const { digest, content, manifest, files, bytes } = await commitArtifact(
    run.staging,
    {
      store,
      statCache: state.statCache,
      hasher: state.hasher,
      references: run.references,
      maxFiles: run.limits.maxOutputFiles,
      maxBytes: run.limits.maxOutputBytes,
    },
  );
  const tree = await materializeTree(
    pipeline.cacheDir,
    store,
    digest,
    manifest,
  );
  const record: RunRecord = {
    version: 1,
    key: run.key,
    artifact: digest,
    content,
    facets: run.facets,
    uses: run.uses,
    runId: run.runId,
    startedAt: runInfo.startedAt,
    durationMs: run.durationMs,
    summary: run.summary,
    where: run.where,
  };
  await writeRunRecord(pipeline.cacheDir, record);
  await writeHead(pipeline.cacheDir, state.pipelineId, run.stage, run.key);
  await removeTree(run.staging);
  return {
    artifact: { digest, content, manifest, tree },
    output: { files, bytes, references: run.references.length },
  };
}
