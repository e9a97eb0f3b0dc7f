/**
 * The escape suite's fixture: a throwaway project of hostile stage modules
 * (each a `uses: ./x.ts` a user might have been handed), run by the real
 * runner, with everything the user would see recorded.
 *
 * @module
 */
import {
  loadPipeline,
  type LoadPipelineOptions,
  type RunOptions,
  runPipeline,
  SILENT_REPORTER,
  type StageFailedError,
  type StageOutcome,
} from "../../mod.ts";
import { removeToy, ROOT } from "../runner/_toy_project.ts";
import { bubblewrapAvailable } from "../../runner/child/sandbox.ts";

export { ROOT };

/** Whether bubblewrap runs here; bubblewrap-only cases skip with a printed reason otherwise. */
export const BWRAP = bubblewrapAvailable();

/** Skips a test (with a reason on the console) where bubblewrap is missing. */
export function needsBubblewrap(): boolean {
  if (!BWRAP) {
    console.log(
      "  skipped: /usr/bin/bwrap is not installed (apt-get install bubblewrap)",
    );
  }
  return BWRAP;
}

/** A stage module's source: `body` is the module's `run(ctx)` body; `extra` goes into the definition. */
export function stageModule(
  body: string,
  options: { top?: string; extra?: string; params?: string } = {},
): string {
  return `import { defineStage, z } from "${ROOT}/stage.ts";
${options.top ?? ""}
export default defineStage({
  description: "a hostile stage",
  params: ${options.params ?? "z.strictObject({}).passthrough()"},
  ${options.extra ?? ""}
  async run(ctx) {
${body}
  },
});
`;
}

/** What a run of a hostile project showed. */
export interface HostileRun {
  /** The project folder. */
  dir: string;
  /** Each stage's outcome. */
  outcomes: Record<string, StageOutcome>;
  /** Warnings the run printed. */
  warnings: string[];
  /** Log lines the stages printed, as the terminal got them. */
  logs: string[];
}

/** The error of a failed stage (the test fails if the stage did not fail). */
export function failureOf(run: HostileRun, stage: string): StageFailedError {
  const outcome = run.outcomes[stage];
  if (outcome?.state !== "failed") {
    throw new Error(
      `expected stage "${stage}" to fail, it is ${JSON.stringify(outcome)}`,
    );
  }
  return outcome.error;
}

/** Writes `files` (name → source) and `pipeline.yaml` into a fresh folder. */
export async function hostileProject(
  pipeline: string,
  files: Record<string, string>,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "hostile-" });
  for (const [name, source] of Object.entries(files)) {
    const path = `${dir}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, source);
  }
  await Deno.writeTextFile(`${dir}/pipeline.yaml`, pipeline);
  return dir;
}

/** Loads and runs the project's pipeline with a recording reporter. */
export async function runHostile(
  dir: string,
  options: RunOptions = {},
  load: LoadPipelineOptions = {},
): Promise<HostileRun> {
  const warnings: string[] = [];
  const logs: string[] = [];
  const summary = await runPipeline(
    await loadPipeline(`${dir}/pipeline.yaml`, load),
    {
      ...options,
      reporter: {
        ...SILENT_REPORTER,
        warn: (message) => warnings.push(message),
        stageLog: (stage, level, message) =>
          logs.push(`${stage}: ${level}: ${message}`),
      },
    },
  );
  return {
    dir,
    outcomes: Object.fromEntries(
      summary.stages.map((s) => [s.name, s.outcome]),
    ),
    warnings,
    logs,
  };
}

/** Removes a hostile project. */
export const removeHostile = removeToy;

/** True when `path` exists (as anything, links included). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
