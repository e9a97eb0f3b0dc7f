/**
 * Loads a pipeline: reads and checks the YAML, follows each stage module's
 * code graph, and validates each stage's params against its own schema (in a
 * sandboxed child), so that every error, including a misspelt param of a
 * stage, points at `file:line:col` with a hint.
 *
 * @module
 */
import { canonicalJson } from "../cache/canonical_json.ts";
import {
  type CodeGraph,
  codeGraph,
  loadModuleResolution,
  type ModuleResolution,
} from "./code_graph.ts";
import { ConfigError, type ConfigProblem } from "./config_error.ts";
import { digestBytes } from "../cache/digest.ts";
import { describeStages } from "../child/describe_stages.ts";
import { readPipelineFile } from "./pipeline_file.ts";
import type { PipelineFile, StageEntry } from "./parsed_pipeline.ts";
import { isInside, PROJECT_ROOT, resolvePath } from "../paths.ts";
import { DEFAULT_MEMORY_SHARE, type StageResources } from "../resources.ts";
import { probeSandbox } from "../child/child_env.ts";
import type { StageDescription } from "../child/stage_protocol.ts";
import { StatCache } from "../cache/stat_cache.ts";
import { STAGE_HOST } from "../child/stage_process.ts";

/** A stage ready to plan: what the YAML says plus what its module says. */
export interface LoadedStage extends StageEntry {
  /** The module's description (params validated and defaulted). */
  description: Extract<StageDescription, { ok: true }>;
  /** The code graph: the stage module plus the stage host. */
  code: CodeGraph;
  /** What it may use: the module's asks, overridden by the pipeline file, with a memory limit always set. */
  limits: StageResources & { memoryBytes: number };
  /** Absolute data paths the stage reads (from its params and the YAML's permissions.read). */
  dataPaths: string[];
}

/** A loaded, fully validated pipeline. */
export interface Pipeline extends Omit<PipelineFile, "stages"> {
  /** Stages in topological order. */
  stages: LoadedStage[];
  /** The project's import map and lockfile. */
  resolution: ModuleResolution;
  /** The stat cache loading used; a run on this pipeline continues with it. */
  statCache: StatCache;
}

/** Options of {@linkcode loadPipeline}. */
export interface LoadPipelineOptions {
  /** Overrides the pipeline's `cache:` directory. */
  cacheDir?: string;
  /** The stat cache to use (else one under the cache directory is opened). */
  statCache?: StatCache;
  /**
   * Report a missing data path as a config error. A dry run or `status`
   * turns this off to show the plan anyway (the stage is shown as blocked).
   * @default true
   */
  requireData?: boolean;
  /** Ends a describe probe that takes longer. @default 60 s */
  probeTimeoutMs?: number;
}

export { DEFAULT_MEMORY_SHARE } from "../resources.ts";

/**
 * Loads and validates the pipeline at `path`.
 *
 * @throws {ConfigError} listing every problem, each at `file:line:col`.
 */
export async function loadPipeline(
  path: string,
  options: LoadPipelineOptions = {},
): Promise<Pipeline> {
  const file = await readPipelineFile(path);
  const cacheDir = options.cacheDir
    ? resolvePath(Deno.cwd(), options.cacheDir)
    : file.cacheDir;
  const statCache = options.statCache ??
    StatCache.open(`${cacheDir}/stat-cache.json`);
  const resolution = loadModuleResolution(PROJECT_ROOT);
  const problems: PendingProblem[] = [];
  const report = (
    at: readonly PropertyKey[],
    message: string,
    hint?: string,
    key = false,
  ) => problems.push({ at, key, message, hint });

  const graphs: (CodeGraph | undefined)[] = [];
  for (const stage of file.stages) {
    try {
      graphs.push(
        await codeGraph([stage.modulePath, STAGE_HOST], resolution, statCache),
      );
    } catch (error) {
      report(
        ["stages", stage.name, "uses"],
        `Cannot load stage module "${stage.uses}": ${(error as Error).message}`,
      );
      graphs.push(undefined);
    }
  }
  if (problems.length > 0) throw await locatedError(file, problems);

  const descriptions = await describeStages(
    await Promise.all(file.stages.map(async (stage, i) => ({
      name: stage.name,
      module: stage.modulePath,
      params: stage.with,
      codeDigest: await digestBytes(canonicalJson(graphs[i]!)),
      codePaths: graphs[i]!.paths,
    }))),
    cacheDir,
    { ...probeSandbox(), timeoutMs: options.probeTimeoutMs },
  );

  const stages: LoadedStage[] = [];
  file.stages.forEach((stage, i) => {
    const description = descriptions[i];
    if (!description.ok) {
      if ("issues" in description) {
        for (const issue of description.issues) {
          report(
            ["stages", stage.name, "with", ...issue.path],
            issue.message,
            issue.hint,
            issue.key,
          );
        }
      } else {
        report(
          ["stages", stage.name, "uses"],
          description.loadError,
          description.hint,
        );
      }
      return;
    }
    checkInputs(stage, description, report);
    const dataPaths = [
      ...description.reads.map((p) => resolvePath(file.dir, p)),
      ...stage.permissions.read,
    ];
    description.reads.forEach((relative, index) => {
      const broad = overBroad(dataPaths[index], file, cacheDir);
      if (broad) {
        report(
          locateValue(stage, relative),
          `Cannot give stage "${stage.name}" the data path "${relative}": it is ${broad}`,
          "name the folder or file of the data itself",
        );
      }
    });
    stage.permissions.read.forEach((path, index) => {
      const broad = overBroad(path, file, cacheDir);
      if (broad) {
        report(
          ["stages", stage.name, "permissions", "read", index],
          `Cannot let stage "${stage.name}" read "${path}": it is ${broad}`,
          "grant the one folder or file the stage needs",
        );
      }
    });
    description.reads.forEach((relative, index) => {
      if (options.requireData === false) return;
      const absolute = dataPaths[index];
      try {
        Deno.statSync(absolute);
      } catch {
        let link: string | undefined;
        try {
          link = Deno.readLinkSync(absolute);
        } catch { /* not a link */ }
        report(
          locateValue(stage, relative),
          link === undefined
            ? `Cannot find data path "${relative}" of stage "${stage.name}" (looked at ${absolute})`
            : `Cannot read data path "${relative}" of stage "${stage.name}": it is a symbolic link to "${link}", which does not exist`,
          link === undefined
            ? "check the path; relative paths start at the folder of the pipeline file"
            : "restore the file or folder the link points to, or fix the link",
        );
      }
    });
    stages.push({
      ...stage,
      description,
      code: graphs[i]!,
      dataPaths: [...new Set(dataPaths)],
      limits: {
        memoryBytes: Math.floor(
          Deno.systemMemoryInfo().total * DEFAULT_MEMORY_SHARE,
        ),
        ...description.resources,
        ...stage.resources,
      },
    });
  });
  if (problems.length > 0) throw await locatedError(file, problems);
  return { ...file, cacheDir, stages, resolution, statCache };
}

function checkInputs(
  stage: StageEntry,
  description: Extract<StageDescription, { ok: true }>,
  report: (
    at: readonly PropertyKey[],
    message: string,
    hint?: string,
    key?: boolean,
  ) => void,
): void {
  const declared = description.inputs;
  const names = Object.keys(declared);
  for (const [input, upstream] of Object.entries(stage.needs)) {
    if (declared[input] !== undefined) continue;
    report(
      ["stages", stage.name, "needs"],
      `Cannot pass "${upstream}" to stage "${stage.name}" as input "${input}": the stage has no such input`,
      names.length > 0
        ? `its inputs are ${
          names.map((n) => `"${n}"`).join(", ")
        }; map one with needs: { ${names[0]}: ${upstream} }`
        : "this stage takes no inputs; remove `needs`",
    );
  }
  for (const [input, spec] of Object.entries(declared)) {
    if (spec.optional || stage.needs[input] !== undefined) continue;
    report(
      stage.needs && Object.keys(stage.needs).length > 0
        ? ["stages", stage.name, "needs"]
        : ["stages", stage.name],
      `Cannot run stage "${stage.name}": its input "${input}" is not connected`,
      `add needs: [${input}] (a stage named "${input}") or needs: { ${input}: <stage> }${
        spec.description ? `; it expects ${spec.description}` : ""
      }`,
      Object.keys(stage.needs).length === 0,
    );
  }
}

/**
 * Why granting `path` would give a stage far more than data (the whole file
 * system, the project with its code, or the cache with every other stage's
 * outputs), or undefined when it is a data path.
 */
function overBroad(
  path: string,
  file: PipelineFile,
  cacheDir: string,
): string | undefined {
  if (path === "/") return "the root of the file system";
  if (isInside(PROJECT_ROOT, path)) return "this project's folder or above it";
  if (isInside(cacheDir, path)) return "the cache or a folder that holds it";
  if (isInside(file.outputsDir, path)) {
    return "the outputs folder or a folder that holds it";
  }
  return undefined;
}

/** A problem whose position in the file is not looked up yet. */
interface PendingProblem {
  at: readonly PropertyKey[];
  key: boolean;
  message: string;
  hint?: string;
}

async function locatedError(
  file: PipelineFile,
  problems: PendingProblem[],
): Promise<ConfigError> {
  const located: ConfigProblem[] = [];
  for (const problem of problems) {
    located.push({
      at: await file.locate(problem.at, problem.key),
      message: problem.message,
      hint: problem.hint,
    });
  }
  return new ConfigError(located);
}

/** The YAML path of the param whose value is `value`, else the stage's `with`. */
function locateValue(stage: StageEntry, value: string): PropertyKey[] {
  const search = (
    node: unknown,
    path: PropertyKey[],
  ): PropertyKey[] | undefined => {
    if (node === value) return path;
    if (node && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        const found = search(v, [...path, Array.isArray(node) ? Number(k) : k]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return search(stage.with, ["stages", stage.name, "with"]) ??
    ["stages", stage.name, "with"];
}
