/**
 * Reads pipeline.yaml into a {@linkcode PipelineFile}: the structure checked
 * (keys, types, stage names, `uses`, `needs`, cycles) and every path resolved.
 * Each stage's own params are checked later against the stage's schema.
 *
 * A checked file is remembered in the cache by the digest of its text (and of
 * the parser and the list of built-in stages), so an unchanged pipeline is
 * read without loading the YAML parser and zod: about 30 ms of CPU at every
 * start. The YAML is parsed again only to locate an error.
 *
 * @module
 */
import { atomicWrite } from "./_atomic_write.ts";
import { normalisePath } from "./code_graph.ts";
import { ConfigError, type SourceSpan } from "./config_error.ts";
import { digestBytes } from "./digest.ts";
import { fileIdentity } from "./stat_cache.ts";
import type { YamlSource } from "./yaml_source.ts";

/** Permissions a pipeline grants one stage, on top of what its module declares. */
export interface DeclaredPermissions {
  /** Absolute paths the stage may read (their content is part of its cache key). */
  read: string[];
  /** Absolute paths the stage may write besides its output. */
  write: string[];
  /** Environment variable names. */
  env: string[];
  /** Hosts. */
  net: string[];
  /** npm packages whose native addon it may load. */
  ffi: string[];
  /** `Deno` system-information names. */
  sys: string[];
}

/** One stage as written in the pipeline file. */
export interface StageEntry {
  /** Its name (the key under `stages:`). */
  name: string;
  /** `uses:` as written. */
  uses: string;
  /** Absolute path of the stage module. */
  modulePath: string;
  /** Input name → upstream stage name. */
  needs: Record<string, string>;
  /** The raw `with:` mapping (validated later by the stage's schema). */
  with: Record<string, unknown>;
  /** The stage's seed (its own `seed:` or the pipeline's). */
  seed: number;
  /** Extra permissions from the YAML. */
  permissions: DeclaredPermissions;
}

/** A structurally valid pipeline file. */
export interface PipelineFile {
  /** Absolute path of the file. */
  path: string;
  /** Its directory; relative paths resolve against it. */
  dir: string;
  /** `name:`. */
  name: string;
  /** `seed:`. */
  seed: number;
  /** Absolute cache directory. */
  cacheDir: string;
  /** Absolute outputs directory. */
  outputsDir: string;
  /** Stages in topological order (file order among independent ones). */
  stages: StageEntry[];
  /** Locates a path inside the file for error messages (parses the YAML on first use). */
  locate(path: readonly PropertyKey[], key?: boolean): Promise<SourceSpan>;
}

/** A pipeline file's checked content, as stored in the parse cache. */
export type ParsedPipelineFile = Omit<PipelineFile, "locate">;

/** The directory holding the built-in stage modules. */
export const BUILTIN_STAGES_DIR =
  new URL("../stages/", import.meta.url).pathname;

/** Names of the built-in stages (`stages/<name>.ts`). */
export function builtinStageNames(): string[] {
  try {
    return [...Deno.readDirSync(BUILTIN_STAGES_DIR)]
      .map((entry) => entry.name.match(/^([a-z][a-z0-9_]*)\.ts$/)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
  } catch {
    return [];
  }
}

/** Bumped when the parse cache's content changes shape. */
const PARSE_CACHE_VERSION = 1;

/**
 * Reads and checks a pipeline file.
 *
 * @param path the file, as the user named it (used in messages)
 * @throws {ConfigError} listing every problem found, each at `file:line:col`.
 */
export async function readPipelineFile(path: string): Promise<PipelineFile> {
  const absolute = normalisePath(
    path.startsWith("/") ? path : `${Deno.cwd()}/${path}`,
  );
  let text: string;
  try {
    text = await Deno.readTextFile(absolute);
  } catch (error) {
    throw new ConfigError([{
      at: { file: path, line: 1, column: 1 },
      message: `Cannot read the pipeline file "${path}": ${
        (error as Error).message.split(":")[0]
      }`,
      hint:
        "give the path of a pipeline YAML file, e.g. `deno task run pipeline.yaml`",
    }]);
  }
  let source: Promise<YamlSource> | undefined;
  const locate = async (at: readonly PropertyKey[], key?: boolean) => {
    source ??= import("./yaml_source.ts").then(({ parseYamlSource }) => {
      const parsed = parseYamlSource(text, path);
      if (!parsed.source) throw new ConfigError(parsed.problems);
      return parsed.source;
    });
    return (await source).locate(at, key);
  };
  const builtins = builtinStageNames();
  const dir = absolute.slice(0, absolute.lastIndexOf("/"));
  const cacheFile = `${
    guessCacheDir(text, dir)
  }/pipelines/${await parseCacheKey(text, absolute, builtins)}.json`;
  try {
    const cached = JSON.parse(
      await Deno.readTextFile(cacheFile),
    ) as ParsedPipelineFile;
    return { ...cached, locate };
  } catch {
    // Not parsed before: parse and check it now.
  }
  const { parsePipelineText } = await import("./_parse_pipeline_file.ts");
  const parsed = parsePipelineText(text, path, absolute, builtins);
  if (parsed.cacheDir === guessCacheDir(text, dir)) {
    await atomicWrite(cacheFile, JSON.stringify(parsed)).catch(() => {});
  }
  return { ...parsed, locate };
}

/**
 * Where the parse cache of this text would be: the `cache:` key when it is
 * written plainly at the top level, else `.cache`. A wrong guess only misses.
 */
function guessCacheDir(text: string, dir: string): string {
  const written =
    text.match(/^cache:[ \t]*(["']?)([^"'#\n]+?)\1[ \t]*(#.*)?$/m)?.[2] ??
      ".cache";
  return normalisePath(written.startsWith("/") ? written : `${dir}/${written}`);
}

async function parseCacheKey(
  text: string,
  absolute: string,
  builtins: readonly string[],
): Promise<string> {
  const parser = ["./_parse_pipeline_file.ts", "./pipeline_file.ts"].map(
    (file) => {
      try {
        return fileIdentity(Deno.statSync(new URL(file, import.meta.url))) ??
          Math.random();
      } catch {
        return Math.random();
      }
    },
  );
  return await digestBytes(
    JSON.stringify([PARSE_CACHE_VERSION, absolute, text, builtins, parser]),
  );
}
