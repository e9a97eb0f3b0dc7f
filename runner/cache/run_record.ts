/**
 * The action cache: a run record maps a cache key to the artifact a finished
 * run produced. It is written last and atomically, so a key either has a
 * complete record or none. Heads remember, per pipeline file, the key each
 * stage last ran with, so `status` can explain what changed since.
 *
 * @module
 */
import { atomicWrite } from "./atomic_write.ts";
import type { Facets } from "./cache_key.ts";
import type { Digest } from "./digest.ts";
import type { StageSummary } from "../define_stage.ts";

/** Where a stage ran. */
export interface RunWhere {
  /** The executor: a child of the runner, or a Slurm job. */
  executor: "local" | "slurm";
  /** The host (the runner's, or the node Slurm picked). */
  host: string;
  /** The Slurm job id. */
  jobId?: string;
}

/** How a record came into this cache from a remote one. */
export interface RunPulled {
  /** The remote cache's URL (without credentials). */
  from: string;
  /** When (ISO time). */
  at: string;
}

/** A finished stage run. */
export interface RunRecord {
  /** Format version. */
  version: 1;
  /** The cache key. */
  key: Digest;
  /** The artifact (manifest digest). */
  artifact: Digest;
  /** The artifact's content digest (its manifest without the run-info file). */
  content: Digest;
  /** What went into the key. */
  facets: Facets;
  /** `uses:` of the stage. */
  uses: string;
  /** The pipeline invocation that produced it. */
  runId: string;
  /** When the stage started (ISO time). */
  startedAt: string;
  /** How long it ran. */
  durationMs: number;
  /** What the stage's run() returned. */
  summary: StageSummary | null;
  /** Where it ran (absent in records written before executors existed). */
  where?: RunWhere;
  /** Set on a record pulled from a remote cache (never pushed). */
  pulled?: RunPulled;
}

/** Reads the record of `key`; undefined when there is none (or it is unreadable). */
export async function readRunRecord(
  cacheDir: string,
  key: Digest,
): Promise<RunRecord | undefined> {
  try {
    const record = JSON.parse(
      await Deno.readTextFile(`${cacheDir}/runs/${key}.json`),
    );
    return record?.version === 1 && record.key === key
      ? record as RunRecord
      : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a record atomically (temp file + rename). */
export async function writeRunRecord(
  cacheDir: string,
  record: RunRecord,
): Promise<void> {
  await atomicWrite(
    `${cacheDir}/runs/${record.key}.json`,
    JSON.stringify(record, null, 1),
  );
}

/** Deletes a record (its artifact was found damaged). */
export async function deleteRunRecord(
  cacheDir: string,
  key: Digest,
): Promise<void> {
  await Deno.remove(`${cacheDir}/runs/${key}.json`).catch(() => {});
}

/** Stage name → key of its last successful run, for one pipeline file. */
export type Heads = Record<string, Digest>;

/**
 * One file per stage (`heads/<pipeline id>/<stage>`, holding the key), so
 * stages finishing at the same moment, in one run or in two, never overwrite
 * each other's head.
 */
function headsDir(cacheDir: string, pipelineId: Digest): string {
  return `${cacheDir}/heads/${pipelineId}`;
}

/** Reads the heads of a pipeline (identified by the digest of its absolute path). */
export async function readHeads(
  cacheDir: string,
  pipelineId: Digest,
): Promise<Heads> {
  const heads: Heads = {};
  try {
    for await (const entry of Deno.readDir(headsDir(cacheDir, pipelineId))) {
      if (!entry.isFile || entry.name.includes(".tmp-")) continue;
      const key = (await Deno.readTextFile(
        `${headsDir(cacheDir, pipelineId)}/${entry.name}`,
      )).trim();
      if (/^[0-9a-f]{64}$/.test(key)) heads[entry.name] = key;
    }
  } catch {
    // No heads yet.
  }
  return heads;
}

/** Records that `stage` last ran with `key` (atomically). */
export async function writeHead(
  cacheDir: string,
  pipelineId: Digest,
  stage: string,
  key: Digest,
): Promise<void> {
  await atomicWrite(`${headsDir(cacheDir, pipelineId)}/${stage}`, `${key}\n`);
}
