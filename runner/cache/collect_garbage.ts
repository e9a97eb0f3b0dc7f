/**
 * `gc`: removes from the cache everything the current pipeline's latest run
 * records do not reference: objects, trees, other run records, and staging
 * directories and Slurm job folders left by interrupted or failed runs. It holds the store lock exclusively,
 * so it waits for running pipelines and they wait for it.
 *
 * @module
 */
import type { Digest } from "./digest.ts";
import { loadManifest } from "./manifest.ts";
import { readHeads, readRunRecord } from "./run_record.ts";
import { digestBytes } from "./digest.ts";
import { acquireStoreLock } from "./stage_lock.ts";
import { Store } from "./store.ts";
import { removeTree } from "./tree.ts";

/** What `gc` removed (or would remove). */
export interface GcReport {
  /** Objects removed. */
  objects: number;
  /** Bytes they held. */
  bytes: number;
  /** Objects kept. */
  keptObjects: number;
  /** Run records removed. */
  records: number;
  /** Materialised trees removed. */
  trees: number;
  /** Staging directories of interrupted runs removed. */
  staging: number;
  /** Folders of Slurm jobs that failed or were interrupted, removed. */
  jobs: number;
}

/** The pipeline whose latest runs `gc` keeps. */
export interface GcTarget {
  /** The cache directory. */
  cacheDir: string;
  /** The pipeline file's absolute path (its heads name the runs to keep). */
  path: string;
}

/** Removes what no run record of `pipeline` references; with `dryRun`, only counts it. */
export async function collectGarbage(
  pipeline: GcTarget,
  options: { dryRun?: boolean } = {},
): Promise<GcReport> {
  const { cacheDir } = pipeline;
  using _lock = await acquireStoreLock(cacheDir, true);
  const store = new Store(cacheDir);
  const heads = await readHeads(cacheDir, await digestBytes(pipeline.path));
  const liveObjects = new Set<Digest>();
  const liveTrees = new Set<Digest>();
  const liveRecords = new Set<Digest>();
  const keepManifest = async (digest: Digest, withFiles: boolean) => {
    liveObjects.add(digest);
    const manifest = await loadManifest(store, digest);
    if (withFiles) {
      for (const file of manifest?.files ?? []) {
        if (!file.external) liveObjects.add(file.digest);
      }
    }
  };
  for (const key of Object.values(heads)) {
    const record = await readRunRecord(cacheDir, key);
    if (!record) continue;
    liveRecords.add(key);
    liveTrees.add(record.artifact);
    await keepManifest(record.artifact, true);
    liveObjects.add(record.content);
    for (const digest of Object.values(record.facets.data)) {
      await keepManifest(digest, false);
    }
  }
  const report: GcReport = {
    objects: 0,
    bytes: 0,
    keptObjects: 0,
    records: 0,
    trees: 0,
    staging: 0,
    jobs: 0,
  };
  const remove = async (path: string) => {
    if (!options.dryRun) await removeTree(path);
  };
  for (const prefix of await list(`${cacheDir}/objects`)) {
    for (const rest of await list(`${cacheDir}/objects/${prefix}`)) {
      const digest = prefix + rest;
      if (liveObjects.has(digest)) {
        report.keptObjects++;
        continue;
      }
      const path = store.objectPath(digest);
      report.bytes += (await Deno.stat(path).catch(() => ({ size: 0 }))).size;
      report.objects++;
      await remove(path);
    }
  }
  for (const name of await list(`${cacheDir}/runs`)) {
    if (liveRecords.has(name.replace(/\.json$/, ""))) continue;
    report.records++;
    await remove(`${cacheDir}/runs/${name}`);
  }
  for (const name of await list(`${cacheDir}/trees`)) {
    if (liveTrees.has(name)) continue;
    report.trees++;
    await remove(`${cacheDir}/trees/${name}`);
  }
  for (const name of await list(`${cacheDir}/staging`)) {
    report.staging++;
    await remove(`${cacheDir}/staging/${name}`);
  }
  for (const name of await list(`${cacheDir}/jobs`)) {
    report.jobs++;
    await remove(`${cacheDir}/jobs/${name}`);
  }
  return report;
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  } catch {
    return [];
  }
}
