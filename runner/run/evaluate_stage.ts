/**
 * Decides whether a stage is cached: gathers its facets, computes its key,
 * looks up the run record and verifies the stored output. When it is not
 * cached, says why.
 *
 * @module
 */
import { type ArtifactRef, checkArtifact } from "../cache/artifact.ts";
import { cacheKey, type Facets } from "../cache/cache_key.ts";
import type { Digest } from "../cache/digest.ts";
import { DataPathError, hashTree } from "../cache/hash_tree.ts";
import { createManifest, storeManifest } from "../cache/manifest.ts";
import {
  deleteRunRecord,
  readRunRecord,
  type RunRecord,
} from "../cache/run_record.ts";
import { type StaleReason, staleReasons } from "../cache/stale_reasons.ts";
import type { LoadedStage } from "../pipeline/load_pipeline.ts";
import { relativeTo } from "../paths.ts";
import type { RunState } from "./run_state.ts";

/** The facets of a stage whose upstream artifacts may not exist yet. */
export type PendingFacets = Omit<Facets, "inputs"> & {
  inputs: Record<string, Digest | undefined>;
};

/** What evaluation found. */
export interface Evaluation {
  /** The facets (inputs undefined where upstream has not run yet). */
  facets: PendingFacets;
  /** The key, when every input is known. */
  key?: Digest;
  /** The cached output, when there is a valid one. */
  cached?: { record: RunRecord; artifact: ArtifactRef };
  /** Why the stage must run (empty when cached). */
  reasons: StaleReason[];
  /** What stops it from running here (a missing data path, an unusable backend); no key then. */
  blockers: Blocker[];
}

/** Something that stops a stage from running on this machine. */
export interface Blocker {
  /** What is wrong. */
  message: string;
  /** What to do. */
  hint?: string;
}

/** Evaluates `stage` given its upstream artifacts (undefined for upstream stages still to run). */
export async function evaluateStage(
  stage: LoadedStage,
  upstream: ReadonlyMap<string, ArtifactRef | undefined>,
  state: RunState,
  forced?: "force" | "from",
): Promise<Evaluation> {
  const { pipeline, store } = state;
  const data: Record<string, Digest> = {};
  const blockers: Blocker[] = [];
  for (const path of stage.dataPaths) {
    const name = relativeTo(pipeline.dir, path);
    try {
      const files = await hashTree(path, {
        statCache: state.statCache,
        hasher: state.hasher,
      });
      data[name] = await storeManifest(store, createManifest(files));
    } catch (error) {
      if (error instanceof DataPathError) {
        blockers.push({ message: error.message, hint: error.hint });
        continue;
      }
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      blockers.push({
        message: `Cannot find data path "${name}"`,
        hint:
          "download or create it, or fix the path (relative to the pipeline file)",
      });
    }
  }
  const stageFacts = state.facts.get(stage.name);
  if (stageFacts?.ok === false) {
    blockers.push({
      message: stageFacts.error,
      hint: stageFacts.hint,
    });
  }
  const inputs: Record<string, Digest | undefined> = {};
  for (const [input, upstreamName] of Object.entries(stage.needs)) {
    inputs[input] = upstream.get(upstreamName)?.content;
  }
  const facets: PendingFacets = {
    stage: stage.name,
    code: stage.code.files,
    npm: stage.code.npm,
    params: stage.description.params,
    inputs,
    data,
    facts: stageFacts?.ok ? stageFacts.facts : {},
    seed: stage.seed,
    runtime: state.runtime,
  };
  if (blockers.length > 0) {
    return { facets, reasons: [{ kind: "new" }], blockers };
  }
  const complete = Object.values(inputs).every((d) => d !== undefined);
  const key = complete ? await cacheKey(facets as Facets) : undefined;

  if (key !== undefined && forced === undefined) {
    const record = await readRunRecord(pipeline.cacheDir, key);
    if (record) {
      const checked = await checkArtifact(record.artifact, {
        ...state,
        cacheDir: pipeline.cacheDir,
      });
      if (checked.ok) {
        return {
          facets,
          key,
          cached: { record, artifact: checked.artifact },
          reasons: [],
          blockers,
        };
      }
      await deleteRunRecord(pipeline.cacheDir, key);
      return {
        facets,
        key,
        reasons: [{ kind: "damaged", files: checked.damaged }],
        blockers,
      };
    }
  }
  if (forced !== undefined) {
    return { facets, key, reasons: [{ kind: "forced", by: forced }], blockers };
  }
  const headKey = state.heads[stage.name];
  const previous = headKey
    ? await readRunRecord(pipeline.cacheDir, headKey)
    : undefined;
  if (!previous) {
    const reason: StaleReason = headKey
      ? { kind: "record-missing", key: headKey }
      : { kind: "new" };
    return { facets, key, reasons: [reason], blockers };
  }
  const reasons = await staleReasons(
    previous.facets,
    facets,
    stage.needs,
    store,
  );
  return {
    facets,
    key,
    reasons: reasons.length > 0 ? reasons : [{ kind: "new" }],
    blockers,
  };
}
