/**
 * Turns a source as written in pipeline.yaml (a folder, or an explicit
 * TFRecord glob / landmark folder / IDX folder) into an
 * {@linkcode IngestSource} with absolute paths.
 *
 * @module
 */
import { hasIdxFiles } from "./convert_idx.ts";
import { expandGlob, globBase } from "./glob.ts";
import type { IngestSource } from "./ingest_source.ts";
import type { SourceSpec } from "./source_spec.ts";
import { SourceError } from "./source_error.ts";

/** File names tried, in order, as a folder's label map. */
export const LABEL_MAP_NAMES = [
  "label_map.json",
  "label_map.csv",
  "labels.json",
  "label2landmark_id.pkl",
];

const TFRECORD = /\.(tfrec|tfrecord|tfrecords)$/;

/**
 * Resolves a spec against `root` (the pipeline directory).
 *
 * @throws {SourceError} when a folder's kind cannot be told or a glob matches nothing
 */
export async function resolveSource(
  spec: SourceSpec,
  root: string,
): Promise<IngestSource> {
  const abs = (
    p: string,
  ) => (p.startsWith("/") ? p : `${root.replace(/\/$/, "")}/${p}`);
  if (typeof spec !== "string") {
    if ("tfrecord" in spec) {
      return {
        kind: "tfrecord",
        train: await matchShardGlobs(spec.tfrecord, root),
        test: spec.test ? await matchShardGlobs(spec.test, root) : [],
        labelMap: spec.labelMap ? abs(spec.labelMap) : undefined,
      };
    }
    if ("landmarks" in spec) {
      const dir = abs(spec.landmarks);
      const test = spec.test ??
        (await hasTestPart(dir) ? "test.csv" : undefined);
      return {
        kind: "landmarks",
        dir,
        csv: spec.csv ?? "train.csv",
        ...(test ? { test } : {}),
      };
    }
    return {
      kind: "idx",
      dir: abs(spec.idx),
      labelMap: spec.labelMap ? abs(spec.labelMap) : undefined,
    };
  }
  const dir = abs(spec);
  let names: string[];
  try {
    names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
      .sort();
  } catch (error) {
    throw new SourceError(
      `Cannot read source folder: ${(error as Error).message}`,
      { file: dir },
      "Check the path",
      {
        cause: error,
      },
    );
  }
  const labelMapName = LABEL_MAP_NAMES.find((n) => names.includes(n));
  const labelMap = labelMapName ? `${dir}/${labelMapName}` : undefined;
  if (names.includes("train.csv") && names.includes("train")) {
    return {
      kind: "landmarks",
      dir,
      csv: "train.csv",
      ...(await hasTestPart(dir) ? { test: "test.csv" } : {}),
    };
  }
  if (await hasIdxFiles(dir)) return { kind: "idx", dir, labelMap };
  const shards = names.filter((n) => TFRECORD.test(n));
  if (shards.length > 0) {
    const entry = (name: string) => ({ path: `${dir}/${name}`, name });
    return {
      kind: "tfrecord",
      train: shards.filter((n) => !n.startsWith("test")).map(entry),
      test: shards.filter((n) => n.startsWith("test")).map(entry),
      labelMap,
    };
  }
  throw new SourceError(
    "Cannot tell what kind of dataset the folder holds",
    { file: dir },
    "Expected TFRecord shards (*.tfrecords; test* names form the test part), train.csv + train/ (Google Landmarks), or IDX files (train-images-idx3-ubyte.gz)",
  );
}

/**
 * Shards of one glob, or of several (e.g. a dataset published in parts):
 * with several, each shard's name starts with its glob's base folder name,
 * so `part-1/train-000.tfrecords` and `part-2/train-000.tfrecords` stay apart.
 */
async function matchShardGlobs(
  patterns: string | string[],
  root: string,
): Promise<{ path: string; name: string }[]> {
  if (typeof patterns === "string") return await matchShards(patterns, root);
  const shards: { path: string; name: string }[] = [];
  const names = new Set<string>();
  for (const pattern of patterns) {
    const base = globBase(pattern);
    const prefix = base.slice(base.lastIndexOf("/") + 1);
    for (const shard of await matchShards(pattern, root)) {
      const name = `${prefix}/${shard.name}`;
      if (names.has(name)) {
        throw new SourceError(
          `Cannot tell shards apart: two globs give "${name}"`,
          { file: shard.path },
          "give each part its own folder",
        );
      }
      names.add(name);
      shards.push({ path: shard.path, name });
    }
  }
  return shards;
}

async function matchShards(
  pattern: string,
  root: string,
): Promise<{ path: string; name: string }[]> {
  const files = await expandGlob(pattern, root);
  const base = globBase(
    pattern.startsWith("/") ? pattern : `${root.replace(/\/$/, "")}/${pattern}`,
  );
  if (files.length === 0) {
    throw new SourceError(
      `Cannot find TFRecord shards: "${pattern}" matches no file`,
      { file: base },
      "Check the glob",
    );
  }
  // A pattern without wildcards names one file: its base is the file itself.
  return files.map((path) => ({
    path,
    name: path === base
      ? path.slice(path.lastIndexOf("/") + 1)
      : path.slice(base.length + 1),
  }));
}

/** True when a landmarks folder has the default test part: `test.csv` and `test/`. */
async function hasTestPart(dir: string): Promise<boolean> {
  try {
    return (await Deno.stat(`${dir}/test.csv`)).isFile &&
      (await Deno.stat(`${dir}/test`)).isDirectory;
  } catch {
    return false;
  }
}
