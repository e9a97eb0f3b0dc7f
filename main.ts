/**
 * The command line: `run`, `status` and `gc` over a pipeline file.
 *
 *     deno task run [pipeline.yaml] [--jobs N] [--from STAGE] [--only STAGE]
 *                   [--force STAGE]… [--dry-run] [--cache DIR] [--no-bwrap]
 *     deno task status [pipeline.yaml] [--cache DIR]
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
  formatDuration,
  formatError,
  formatGrant,
  formatReason,
  grantNotes,
  loadPipeline,
  type Pipeline,
  runPipeline,
  type RunSummary,
} from "./mod.ts";

const USAGE = `Usage:
  deno task run [pipeline.yaml] [options]     run the pipeline (cached stages are reused)
  deno task status [pipeline.yaml]            show which stages are cached, and why the others are not
  deno task gc [pipeline.yaml] [--dry-run]    remove cache entries the pipeline no longer references

Options of run:
  -j, --jobs N       stages that may run at once (default 2)
  --from STAGE       re-run STAGE and every stage after it
  --only STAGE       run only STAGE (its inputs must be cached)
  --force STAGE      re-run STAGE even if cached (repeatable)
  --dry-run          print what would run, run nothing
  --cache DIR        cache directory (default: the pipeline's cache:, else .cache beside it)
  --no-bwrap         do not confine native code with bubblewrap`;

const LOG_TAIL_LINES = 15;

const OPTIONS = {
  jobs: { type: "number", short: "j" },
  from: { type: "string" },
  only: { type: "string" },
  force: { type: "string", multiple: true },
  "dry-run": { type: "boolean" },
  cache: { type: "string" },
  "no-bwrap": { type: "boolean" },
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
  const file = positionals[0] ?? "pipeline.yaml";
  // A plan (status, --dry-run) is shown even where data is still missing.
  const planOnly = command === "status" || values["dry-run"] === true;
  const pipeline = await loadPipeline(file, {
    cacheDir: values.cache,
    requireData: !planOnly,
  });
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
    case "gc":
      return await gc(pipeline, values["dry-run"] ?? false);
    default:
      console.error(`Cannot run unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
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
      console.log(`  ${stage.name.padEnd(width)}  cached`);
    } else if (outcome.state === "would-run") {
      const [first, ...more] = outcome.reasons.map(formatReason);
      console.log(`  ${stage.name.padEnd(width)}  stale: ${first}`);
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

async function gc(pipeline: Pipeline, dryRun: boolean): Promise<number> {
  const report = await collectGarbage(pipeline, { dryRun });
  const verb = dryRun ? "would remove" : "removed";
  console.log(
    `${verb} ${report.objects} objects (${
      (report.bytes / 1e6).toFixed(1)
    } MB), ${report.records} run records, ` +
      `${report.trees} trees, ${report.staging} staging directories; kept ${report.keptObjects} objects`,
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
