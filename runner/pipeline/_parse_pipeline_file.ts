/**
 * The slow half of reading a pipeline file, loaded only when the parse cache
 * misses: YAML parsing (npm:yaml) and structural validation (zod), with every
 * problem located at `file:line:col`.
 *
 * @module
 */
import { z } from "zod";
import { closestName } from "../closest_name.ts";
import { describeZodIssues } from "../zod_issues.ts";
import { ConfigError, type ConfigProblem } from "./config_error.ts";
import { resolvePath } from "../paths.ts";
import { BUILTIN_STAGES_DIR } from "../builtin_stages.ts";
import { parseDuration, parseSize, resourcesFromYaml } from "../resources.ts";
import type { ParsedPipelineFile, StageEntry } from "./parsed_pipeline.ts";
import { parseYamlSource } from "./yaml_source.ts";

const STAGE_NAME = /^[a-z][a-z0-9_-]*$/;

const permissionsSchema = z.strictObject({
  read: z.array(z.string()).default([]),
  write: z.array(z.string()).default([]),
  env: z.array(
    z.string().regex(
      /^[A-Za-z_][A-Za-z0-9_]*$/,
      "not an environment variable name",
    ),
  ).default([]),
  net: z.array(z.string()).default([]),
  ffi: z.array(z.string()).default([]),
  sys: z.array(z.string()).default([]),
});

const size = z.union([z.number().positive(), z.string()]).refine(
  (v) => parseSize(v) !== undefined,
  "not a size such as 8GiB, 512MiB or a number of bytes",
);
const duration = z.union([z.number().positive(), z.string()]).refine(
  (v) => parseDuration(v) !== undefined,
  "not a duration such as 90s, 30m, 2h, 1d or a number of seconds",
);

const resourcesSchema = z.strictObject({
  memory: size.optional(),
  time: duration.optional(),
  cpus: z.int().positive().optional(),
  gpus: z.int().nonnegative().optional(),
  partition: z.string().min(1).optional(),
  max_output_files: z.int().positive().optional(),
  max_output_bytes: size.optional(),
});

const stageSchema = z.strictObject({
  uses: z.string().min(1),
  needs: z.union([z.array(z.string()), z.record(z.string(), z.string())])
    .default([]),
  with: z.record(z.string(), z.unknown()).nullable().default({}),
  seed: z.int().nonnegative().optional(),
  description: z.string().optional(),
  permissions: permissionsSchema.default({
    read: [],
    write: [],
    env: [],
    net: [],
    ffi: [],
    sys: [],
  }),
  resources: resourcesSchema.default({}),
});

const envName = z.string().regex(
  /^[A-Za-z_][A-Za-z0-9_]*$/,
  "not an environment variable name",
);

const remoteUrl = z.string().refine(
  (v) => /^https?:\/\/[^/\s]+/.test(v),
  "not an http:// or https:// URL",
);

const executorSchema = z.union([
  z.enum(["local", "slurm"]),
  z.strictObject({
    slurm: z.strictObject({
      partition: z.string().min(1).optional(),
      sbatch_args: z.array(z.string()).default([]),
    }),
  }),
]);

const remoteSchema = z.union([
  remoteUrl,
  z.strictObject({
    url: remoteUrl,
    token_env: envName.optional(),
    read_only: z.boolean().default(false),
  }),
]);

const pipelineSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  seed: z.int().nonnegative().default(0),
  cache: z.string().min(1).default(".cache"),
  cache_locks: z.enum(["auto", "flock", "lease"]).default("auto"),
  outputs: z.string().min(1).default("outputs"),
  executor: executorSchema.default("local"),
  remote: remoteSchema.optional(),
  stages: z.record(z.string(), stageSchema),
});

/**
 * Parses and checks the text of a pipeline file.
 *
 * @param path the file, as the user named it (used in messages)
 * @param absolute its absolute path
 * @param builtins names of the built-in stages
 * @throws {ConfigError} listing every problem found, each at `file:line:col`.
 */
export function parsePipelineText(
  text: string,
  path: string,
  absolute: string,
  builtins: readonly string[],
): ParsedPipelineFile {
  const parsed = parseYamlSource(text, path);
  if (!parsed.source) throw new ConfigError(parsed.problems);
  const source = parsed.source;
  const problems: ConfigProblem[] = [];
  const report = (
    at: readonly PropertyKey[],
    message: string,
    hint?: string,
    key = false,
  ) => problems.push({ at: source.locate(at, key), message, hint });

  // Unknown keys are reported and dropped, so the rest is still checked in the same pass.
  let value: unknown = structuredClone(source.value ?? {});
  let result = pipelineSchema.safeParse(value);
  for (let attempt = 0; !result.success && attempt < 8; attempt++) {
    const issues = describeZodIssues(pipelineSchema, result.error);
    for (const issue of issues) {
      report(
        issue.path,
        issue.message,
        issue.hint ?? topLevelHint(issue.path),
        issue.key,
      );
    }
    if (!issues.every((issue) => issue.key)) throw new ConfigError(problems);
    for (const issue of issues) value = withoutKey(value, issue.path);
    result = pipelineSchema.safeParse(value);
  }
  if (!result.success) throw new ConfigError(problems);
  const config = result.data;
  const dir = absolute.slice(0, absolute.lastIndexOf("/"));
  const resolve = (p: string) => resolvePath(dir, p);
  const names = Object.keys(config.stages);
  if (names.length === 0) {
    report(
      ["stages"],
      "Cannot run a pipeline without stages",
      "add at least one stage under `stages:`",
    );
  }

  const stages: StageEntry[] = [];
  for (const name of names) {
    const raw = config.stages[name];
    if (!STAGE_NAME.test(name)) {
      report(
        ["stages", name],
        `Cannot use "${name}" as a stage name`,
        "use lowercase letters, digits, '_' and '-', starting with a letter",
        true,
      );
    }
    const modulePath = resolveUses(
      raw.uses,
      dir,
      builtins,
      (message, hint) => report(["stages", name, "uses"], message, hint),
    );
    const needs: Record<string, string> = Array.isArray(raw.needs)
      ? Object.fromEntries(raw.needs.map((upstream) => [upstream, upstream]))
      : { ...raw.needs };
    const needsList = Array.isArray(raw.needs)
      ? raw.needs
      : Object.values(raw.needs);
    needsList.forEach((upstream, index) => {
      if (config.stages[upstream] !== undefined && upstream !== name) return;
      const at = Array.isArray(raw.needs)
        ? ["stages", name, "needs", index]
        : ["stages", name, "needs", Object.keys(raw.needs)[index]];
      if (upstream === name) {
        report(
          at,
          `Cannot make stage "${name}" need itself`,
          "remove it from its own `needs`",
        );
      } else {
        const suggestion = closestName(upstream, names);
        report(
          at,
          `Cannot find stage "${upstream}" named in needs`,
          suggestion
            ? `did you mean "${suggestion}"?`
            : `stages in this pipeline: ${names.join(", ")}`,
        );
      }
    });
    const permissions = raw.permissions;
    stages.push({
      name,
      uses: raw.uses,
      modulePath: modulePath ?? "",
      needs,
      with: raw.with ?? {},
      seed: raw.seed ?? config.seed,
      permissions: {
        ...permissions,
        read: permissions.read.map(resolve),
        write: permissions.write.map(resolve),
      },
      resources: resourcesFromYaml(raw.resources),
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const ordered = topologicalOrder(stages, (cycle) =>
    report(
      ["stages", cycle[0], "needs"],
      `Cannot order stages: ${
        [...cycle, cycle[0]].map((s) => `"${s}"`).join(" → ")
      } form a cycle`,
      "remove one of these `needs` so the stages can run one after another",
    ));
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    path: absolute,
    dir,
    name: config.name,
    seed: config.seed,
    cacheDir: resolve(config.cache),
    cacheLocks: config.cache_locks,
    outputsDir: resolve(config.outputs),
    executor: typeof config.executor === "string"
      ? config.executor === "slurm"
        ? { kind: "slurm", sbatchArgs: [] }
        : { kind: "local" }
      : {
        kind: "slurm",
        ...(config.executor.slurm.partition === undefined
          ? {}
          : { partition: config.executor.slurm.partition }),
        sbatchArgs: config.executor.slurm.sbatch_args,
      },
    ...(config.remote === undefined ? {} : {
      remote: typeof config.remote === "string"
        ? { url: config.remote, readOnly: false }
        : {
          url: config.remote.url,
          readOnly: config.remote.read_only,
          ...(config.remote.token_env === undefined
            ? {}
            : { tokenEnv: config.remote.token_env }),
        },
    }),
    stages: ordered,
  };
}

function resolveUses(
  uses: string,
  dir: string,
  builtins: readonly string[],
  report: (message: string, hint?: string) => void,
): string | undefined {
  if (uses.startsWith("./") || uses.startsWith("../") || uses.startsWith("/")) {
    const path = resolvePath(dir, uses);
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // reported below
    }
    report(
      `Cannot find stage module "${uses}" (looked at ${path})`,
      "give a path, relative to the pipeline file, of a .ts module that default-exports defineStage({...})",
    );
    return undefined;
  }
  if (builtins.includes(uses)) return `${BUILTIN_STAGES_DIR}${uses}.ts`;
  const suggestion = closestName(uses, builtins);
  report(
    `Cannot find built-in stage "${uses}"`,
    suggestion
      ? `did you mean "${suggestion}"? (built-in stages: ${
        builtins.join(", ")
      }; a path such as ./my_stage.ts uses your own module)`
      : `built-in stages: ${
        builtins.join(", ")
      }; a path such as ./my_stage.ts uses your own module`,
  );
  return undefined;
}

/** Kahn's algorithm, keeping file order among stages that are ready together. */
function topologicalOrder(
  stages: StageEntry[],
  onCycle: (cycle: string[]) => void,
): StageEntry[] {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const ordered: StageEntry[] = [];
  const done = new Set<string>();
  while (ordered.length < stages.length) {
    const ready = stages.find((s) =>
      !done.has(s.name) && Object.values(s.needs).every((n) => done.has(n))
    );
    if (!ready) {
      onCycle(findCycle(stages.filter((s) => !done.has(s.name)), byName));
      return stages;
    }
    ordered.push(ready);
    done.add(ready.name);
  }
  return ordered;
}

function findCycle(
  remaining: StageEntry[],
  byName: Map<string, StageEntry>,
): string[] {
  const path: string[] = [];
  let current = remaining[0];
  while (!path.includes(current.name)) {
    path.push(current.name);
    const next = Object.values(current.needs).map((n) => byName.get(n)!).find((
      s,
    ) => remaining.includes(s));
    if (!next) break;
    current = next;
  }
  return path.slice(path.indexOf(current.name));
}

function withoutKey(
  value: unknown,
  path: readonly (string | number)[],
): unknown {
  let node = value as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) {
    node = node?.[part] as Record<string | number, unknown>;
  }
  if (node && typeof node === "object") delete node[path[path.length - 1]];
  return value;
}

function topLevelHint(path: (string | number)[]): string | undefined {
  if (path.length === 1 && path[0] === "stages") {
    return "`stages:` maps stage names to { uses, needs, with }";
  }
  return undefined;
}
