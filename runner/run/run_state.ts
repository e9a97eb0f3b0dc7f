/**
 * The state one run shares between its stage evaluations and executions:
 * the store, the stat cache and hasher, the heads of the pipeline's previous
 * runs, and the machine facts of the stages that declare some.
 *
 * @module
 */
import { runtimeFacts } from "../cache/cache_key.ts";
import { type Digest, digestBytes, lazyFileHasher } from "../cache/digest.ts";
import type { LazyFileHasher } from "../cache/digest.ts";
import { type Heads, readHeads } from "../cache/run_record.ts";
import type { StatCache } from "../cache/stat_cache.ts";
import { Store } from "../cache/store.ts";
import { probeSandbox } from "../child/child_env.ts";
import { stageFacts } from "../child/describe_stages.ts";
import type { StageFacts } from "../child/stage_protocol.ts";
import type { LoadedStage, Pipeline } from "../pipeline/load_pipeline.ts";

/** The state shared by the evaluations of one run. */
export interface RunState {
  /** The pipeline. */
  pipeline: Pipeline;
  /** The pipeline's identity (digest of its path), for heads. */
  pipelineId: Digest;
  /** The object store. */
  store: Store;
  /** The stat cache. */
  statCache: StatCache;
  /** The run's hasher. */
  hasher: LazyFileHasher;
  /** Keys of each stage's last run of this pipeline file. */
  heads: Heads;
  /** Facts of each stage that declares some. */
  facts: Map<string, StageFacts>;
  /** Runtime facts. */
  runtime: Record<string, string>;
}

/** Opens the state of a run that evaluates `stages` of `pipeline`. */
export async function openRunState(
  pipeline: Pipeline,
  stages: readonly LoadedStage[],
): Promise<RunState> {
  const pipelineId = await digestBytes(pipeline.path);
  const factStages = stages.filter((s) => s.description.hasFacts);
  const factValues = await stageFacts(
    factStages.map((s) => ({
      name: s.name,
      module: s.modulePath,
      params: s.description.params,
      codeDigest: "",
      codePaths: s.code.paths,
      // Each stage's own declarations, and nothing another stage declared.
      granted: {
        read: s.description.permissions.read,
        env: s.description.permissions.env,
        sys: s.description.permissions.sys,
      },
    })),
    probeSandbox(),
  );
  return {
    pipeline,
    pipelineId,
    store: new Store(pipeline.cacheDir),
    statCache: pipeline.statCache,
    hasher: lazyFileHasher(),
    heads: await readHeads(pipeline.cacheDir, pipelineId),
    facts: new Map(factStages.map((s, i) => [s.name, factValues[i]])),
    runtime: runtimeFacts(),
  };
}
