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
import { atomicWrite } from "../cache/atomic_write.ts";
import { resolvePath } from "../paths.ts";
import { builtinStageNames } from "../builtin_stages.ts";
import { ConfigError } from "./config_error.ts";
import { digestBytes } from "../cache/digest.ts";
import { fileIdentity } from "../cache/stat_cache.ts";
import type { YamlSource } from "./yaml_source.ts";
import type { ParsedPipelineFile, PipelineFile } from "./parsed_pipeline.ts";

/** Bumped when the parse cache's content changes shape. */
const PARSE_CACHE_VERSION = 3;

/**
 * Reads and checks a pipeline file.
 *
 * @param path the file, as the user named it (used in messages)
 * @throws {ConfigError} listing every problem found, each at `file:line:col`.
 */
export async function readPipelineFile(path: string): Promise<PipelineFile> {
  const absolute = resolvePath(Deno.cwd(), path);
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
  return resolvePath(dir, written);
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
