/**
 * The command line: `run`, `status` and `gc` over a pipeline file.
 *
 *     deno task run [pipeline.yaml] [--jobs N] [--from STAGE] [--only STAGE]
 *                   [--force STAGE]… [--dry-run] [--cache DIR] [--no-bwrap]
 *                   [--executor local|slurm] [--remote URL] [--no-remote]
 *                   [--remote-read-only]
 *     deno task status [pipeline.yaml] [--cache DIR]
 *     deno task push [pipeline.yaml]     deno task pull [pipeline.yaml]
 *     deno task gc [pipeline.yaml] [--dry-run] [--cache DIR]
 *
 * Exit codes: 0 success, 1 a stage failed, 2 the pipeline file or the command
 * line is wrong.
 *
 * @module
 */
import { parseCliArgs } from "./cli/parse_args.ts";
import {
  collectGarbage,
  ConfigError,
  createTerminalReporter,
  displayPath,
  type ExecutorConfig,
  formatDuration,
  formatError,
  formatGrant,
  formatReason,
  formatWhere,
  grantNotes,
  loadPipeline,
  type Pipeline,
  pushPipeline,
  type RemoteConfig,
  runPipeline,
  type RunSummary,
} from "./mod.ts";

const USAGE = `Usage:
  deno task run [pipeline.yaml] [options]     run the pipeline (cached stages are reused)
  deno task status [pipeline.yaml]            show which stages are cached, and why the others are not
  deno task push [pipeline.yaml]              send the latest run of every stage to the remote cache
  deno task pull [pipeline.yaml]              fetch from the remote cache what is not cached here (runs nothing)
  deno task gc [pipeline.yaml] [--dry-run]    remove cache entries the pipeline no longer references

Options of run:
  -j, --jobs N       stages that may run at once (default 2)
  --from STAGE       re-run STAGE and every stage after it
  --only STAGE       run only STAGE (its inputs must be cached)
  --force STAGE      re-run STAGE even if cached (repeatable)
  --dry-run          print what would run, run nothing
  --cache DIR        cache directory (default: the pipeline's cache:, else .cache beside it)
  --no-bwrap         do not confine native code with bubblewrap
  --executor NAME    local (child processes here) or slurm (one Slurm job per stage)
  --remote URL       the remote cache (default: the pipeline's remote:)
  --no-remote        use no remote cache
  --remote-read-only pull from the remote cache, never push`;

const LOG_TAIL_LINES = 15;

const OPTIONS = {
  jobs: { type: "number", short: "j" },
  from: { type: "string" },
  only: { type: "string" },
  force: { type: "string", multiple: true },
  "dry-run": { type: "boolean" },
  cache: { type: "string" },
  "no-bwrap": { type: "boolean" },
  executor: { type: "string" },
  remote: { type: "string" },
  "no-remote": { type: "boolean" },
  "remote-read-only": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Runs one command line (without the program name); resolves to the exit
 * code.
 *
 * @throws {ConfigError} when the pipeline file is invalid
 */
export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  let parsed;
  try {
    parsed = parseCliArgs(rest, OPTIONS);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (
    values.help || command === undefined || command === "help" ||
    command === "--help"
  ) {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (positionals.length > 1) {
    console.error(
      `Cannot take more than one pipeline file (got ${
        positionals.join(", ")
      })\n\n${USAGE}`,
    );
    return 2;
  }
  const jobs = values.jobs;
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) {
    console.error(
      `Cannot use --jobs ${jobs}: give a whole number of at least 1`,
    );
    return 2;
  }
  if (
    values.executor !== undefined &&
    values.executor !== "local" && values.executor !== "slurm"
  ) {
    console.error(
      `Cannot use --executor ${values.executor}: give local or slurm`,
    );
    return 2;
  }
  if (
    values.remote !== undefined && !/^https?:\/\/[^/\s]+/.test(values.remote)
  ) {
    console.error(
      `Cannot use --remote ${values.remote}: give an http:// or https:// URL`,
    );
    return 2;
  }
  const file = positionals[0] ?? "pipeline.yaml";
  // A plan (status, --dry-run) is shown even where data is still missing.
  const planOnly = command === "status" || command === "pull" ||
    values["dry-run"] === true;
  const pipeline = withOverrides(
    await loadPipeline(file, {
      cacheDir: values.cache,
      requireData: !planOnly,
    }),
    values,
  );
  switch (command) {
    case "run":
      return await run(pipeline, {
        jobs,
        from: values.from,
        only: values.only,
        force: values.force,
        dryRun: values["dry-run"],
        confine: values["no-bwrap"] ? "never" : "auto",
      });
    case "status":
      return await status(pipeline);
    case "push":
      return await push(pipeline);
    case "pull":
      return await pull(pipeline);
    case "gc":
      return await gc(pipeline, values["dry-run"] ?? false);
    default:
      console.error(`Cannot run unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/** The pipeline with the command line's executor and remote in place of the file's. */
function withOverrides(
  pipeline: Pipeline,
  values: {
    executor?: string;
    remote?: string;
    "no-remote"?: boolean;
    "remote-read-only"?: boolean;
  },
): Pipeline {
  let executor: ExecutorConfig = pipeline.executor;
  if (values.executor === "local") executor = { kind: "local" };
  if (values.executor === "slurm" && executor.kind !== "slurm") {
    executor = { kind: "slurm", sbatchArgs: [] };
  }
  let remote: RemoteConfig | undefined = pipeline.remote;
  if (values.remote !== undefined) {
    remote = {
      ...remote,
      url: values.remote,
      readOnly: remote?.readOnly ?? false,
    };
  }
  if (remote && values["remote-read-only"]) {
    remote = { ...remote, readOnly: true };
  }
  if (values["no-remote"]) remote = undefined;
  const { remote: _, ...rest } = pipeline;
  return { ...rest, executor, ...(remote ? { remote } : {}) };
}

async function run(
  pipeline: Pipeline,
  options: Parameters<typeof runPipeline>[1] & object,
): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const reporter = createTerminalReporter();
  console.log(
    `pipeline "${pipeline.name}" (${displayPath(pipeline.path)})${
      options.dryRun ? ", dry run" : ""
    }`,
  );
  let summary: RunSummary;
  try {
    summary = await runPipeline(pipeline, {
      ...options,
      reporter,
      signal: controller.signal,
    });
  } finally {
    reporter.close();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
  printSummary(pipeline, summary, options.dryRun ?? false);
  if (controller.signal.aborted) return 130;
  return summary.ok ? 0 : 1;
}

function printSummary(
  pipeline: Pipeline,
  summary: RunSummary,
  dryRun: boolean,
): void {
  const count = (state: string) =>
    summary.stages.filter((s) => s.outcome.state === state).length;
  for (const stage of summary.stages) {
    if (stage.outcome.state !== "failed") continue;
    const error = stage.outcome.error;
    console.error(`\n✗ ${error.message}`);
    if (error.hint) console.error(`  hint: ${error.hint}`);
    const tail = error.options.logTail.slice(-LOG_TAIL_LINES);
    if (tail.length > 0 && error.options.logFile) {
      console.error(`  last lines of ${displayPath(error.options.logFile)}:`);
      for (const line of tail) console.error(`    ${line}`);
    }
  }
  const blocked = summary.stages.filter((s) =>
    s.outcome.state === "would-run" && s.outcome.blockers.length > 0
  );
  if (blocked.length > 0) {
    console.log("\nWhat stops this plan on this machine:");
  }
  for (const stage of blocked) {
    if (stage.outcome.state === "would-run") {
      printBlockers(stage.name, stage.outcome.blockers);
    }
  }
  const parts = dryRun
    ? [`${count("would-run")} would run`, `${count("cached")} cached`]
    : [`${count("ran")} ran`, `${count("cached")} cached`];
  if (count("failed")) parts.push(`${count("failed")} failed`);
  if (count("blocked")) parts.push(`${count("blocked")} blocked`);
  console.log(`\n${parts.join(", ")} in ${formatDuration(summary.durationMs)}`);
  if (!dryRun) {
    for (const stage of summary.stages) {
      if (stage.outcome.state === "ran") {
        console.log(
          `  ${stage.name.padEnd(12)} ran in ${
            formatDuration(stage.outcome.durationMs)
          }`,
        );
      }
    }
    console.log(`outputs in ${displayPath(pipeline.outputsDir)}/`);
  }
}

async function status(pipeline: Pipeline): Promise<number> {
  const summary = await runPipeline(pipeline, { dryRun: true });
  console.log(
    `pipeline "${pipeline.name}" (${displayPath(pipeline.path)}), cache ${
      displayPath(pipeline.cacheDir)
    }`,
  );
  const width = Math.max(...summary.stages.map((s) => s.name.length));
  const grantsOf = new Map(
    pipeline.stages.map((s) => [s.name, grantNotes(s).map(formatGrant)]),
  );
  for (const stage of summary.stages) {
    const outcome = stage.outcome;
    if (outcome.state === "cached") {
      console.log(
        `  ${stage.name.padEnd(width)}  cached${
          outcome.where ? `, ran ${formatWhere(outcome.where)}` : ""
        }${outcome.pulledFrom ? `, pulled from ${outcome.pulledFrom}` : ""}`,
      );
    } else if (outcome.state === "would-run") {
      const [first, ...more] = outcome.reasons.map(formatReason);
      console.log(
        `  ${stage.name.padEnd(width)}  stale: ${first}${
          outcome.onRemote ? " (the remote cache has it: a run pulls it)" : ""
        }`,
      );
      for (const reason of more) {
        console.log(`  ${" ".repeat(width)}         ${reason}`);
      }
      printBlockers(stage.name, outcome.blockers);
    }
    for (const grant of grantsOf.get(stage.name) ?? []) {
      console.log(`  ${" ".repeat(width)}  grants ${grant}`);
    }
  }
  return 0;
}

function printBlockers(
  stage: string,
  blockers: readonly { message: string; hint?: string }[],
): void {
  for (const blocker of blockers) {
    console.log(`  ${stage}: ${blocker.message}`);
    if (blocker.hint) console.log(`    hint: ${blocker.hint}`);
  }
}

async function push(pipeline: Pipeline): Promise<number> {
  const report = await pushPipeline(pipeline);
  console.log(
    `pushed ${report.pushed.length} of ${pipeline.stages.length} stages to ${report.remote}`,
  );
  if (report.missing.length > 0) {
    console.log(
      `  not cached here, so not pushed: ${
        report.missing.join(", ")
      } (run them first)`,
    );
  }
  return 0;
}

async function pull(pipeline: Pipeline): Promise<number> {
  if (!pipeline.remote) {
    console.error(
      `Cannot pull pipeline "${pipeline.name}": it has no remote cache\n  hint: add remote: <url> to the pipeline file, or give --remote <url>`,
    );
    return 2;
  }
  const terminal = createTerminalReporter();
  let warnings = 0;
  const reporter = {
    ...terminal,
    warn(message: string) {
      warnings++;
      terminal.warn(message);
    },
  };
  let summary: RunSummary;
  try {
    summary = await runPipeline(pipeline, { pullOnly: true, reporter });
  } finally {
    terminal.close();
  }
  const pulled = summary.stages.filter((s) =>
    s.outcome.state === "cached" && s.outcome.source === "remote"
  );
  const here = summary.stages.filter((s) =>
    s.outcome.state === "cached" && s.outcome.source !== "remote"
  );
  const absent = summary.stages.filter((s) => s.outcome.state === "would-run");
  console.log(
    `\npulled ${pulled.length}, ${here.length} already cached here, ${absent.length} not on the remote${
      absent.length > 0 ? ` (${absent.map((s) => s.name).join(", ")})` : ""
    }`,
  );
  // A corrupt object or an unreachable server fails the pull.
  return warnings > 0 ? 1 : 0;
}

async function gc(pipeline: Pipeline, dryRun: boolean): Promise<number> {
  const report = await collectGarbage(pipeline, { dryRun });
  const verb = dryRun ? "would remove" : "removed";
  console.log(
    `${verb} ${report.objects} objects (${
      (report.bytes / 1e6).toFixed(1)
    } MB), ${report.records} run records, ` +
      `${report.trees} trees, ${report.staging} staging directories, ${report.jobs} job folders; kept ${report.keptObjects} objects`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    // Expected failures (a bad pipeline file, a stage that cannot start) read
    // as message and hint; anything else is a bug and keeps its stack.
    console.error(formatError(error));
    Deno.exit(error instanceof ConfigError ? 2 : 1);
  }
}
