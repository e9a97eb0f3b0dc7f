/**
 * The entry point of every stage child process: reads one job from stdin,
 * loads the stage module, and describes it, computes its facts, or runs it.
 * It runs with only the permissions the runner granted; see sandbox.ts.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";
import { describeZodIssues } from "../zod_issues.ts";
import type {
  Logger,
  Progress,
  StageDefinition,
  StageResources,
} from "../define_stage.ts";
import { createStageContext } from "./stage_context.ts";
import {
  EVENT_MARKER,
  type StageDescription,
  type StageEvent,
  type StageFacts,
  type StageJob,
  type StageProbe,
} from "./stage_protocol.ts";

const PROGRESS_INTERVAL_MS = 250;
const encoder = new TextEncoder();

function emit(event: StageEvent): void {
  const bytes = encoder.encode(`${EVENT_MARKER}${JSON.stringify(event)}\n`);
  let written = 0;
  while (written < bytes.length) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}

async function readJob(): Promise<StageJob> {
  const reader = Deno.stdin.readable.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  // The runner keeps stdin open while it lives: EOF means it died, so stop.
  (async () => {
    while (!(await reader.read()).done) { /* ignore */ }
    Deno.exit(130);
  })();
  return JSON.parse(text.slice(0, text.indexOf("\n")));
}

async function loadDefinition(module: string): Promise<StageDefinition> {
  const url = new URL(`file://${module}`).href;
  const loaded = await import(url);
  const definition = loaded.default as StageDefinition | undefined;
  if (
    !definition || typeof definition.run !== "function" ||
    typeof (definition.params as { safeParse?: unknown })?.safeParse !==
      "function"
  ) {
    throw new HintedError(
      `Cannot use "${module}" as a stage: its default export is not a stage definition`,
      {
        hint:
          "default-export defineStage({ description, params, run }) from stage.ts",
      },
    );
  }
  return definition;
}

async function describe(probe: StageProbe): Promise<StageDescription> {
  let definition: StageDefinition;
  try {
    definition = await loadDefinition(probe.module);
  } catch (error) {
    return {
      ok: false,
      loadError: errorMessage(error),
      hint: hintOf(error),
    };
  }
  const parsed = definition.params.safeParse(probe.params ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      issues: describeZodIssues(definition.params, parsed.error),
    };
  }
  let reads: string[] = [];
  let resources: StageResources = {};
  try {
    reads = [...(definition.reads?.(parsed.data) ?? [])];
    resources = { ...(definition.resources?.(parsed.data) ?? {}) };
  } catch (error) {
    return {
      ok: false,
      loadError:
        `Cannot list the data paths and resources of stage "${probe.name}": ${
          errorMessage(error)
        }`,
    };
  }
  const permissions = definition.permissions ?? {};
  return {
    ok: true,
    description: definition.description ?? "",
    params: parsed.data,
    inputs: Object.fromEntries(
      Object.entries(definition.inputs ?? {}).map(([name, input]) => [
        name,
        { optional: input.optional ?? false, description: input.description },
      ]),
    ),
    permissions: {
      env: [...(permissions.env ?? [])],
      net: [...(permissions.net ?? [])],
      ffi: [...(permissions.ffi ?? [])],
      read: [...(permissions.read ?? [])],
      sys: [...(permissions.sys ?? [])],
    },
    reads,
    hasFacts: typeof definition.facts === "function",
    resources,
  };
}

async function facts(probe: StageProbe): Promise<StageFacts> {
  try {
    const definition = await loadDefinition(probe.module);
    const params = definition.params.parse(probe.params ?? {});
    const result = (await definition.facts?.(params)) ?? {};
    return {
      ok: true,
      facts: Object.fromEntries(
        Object.entries(result).map(([k, v]) => [k, String(v)]),
      ),
    };
  } catch (error) {
    return {
      ok: false,
      error: errorMessage(error),
      hint: hintOf(error),
    };
  }
}

async function run(job: Extract<StageJob, { mode: "run" }>): Promise<void> {
  const definition = await loadDefinition(job.module);
  const params = definition.params.parse(job.params);
  if (job.expectFacts !== undefined && definition.facts) {
    checkFacts(job.stage, job.expectFacts, await definition.facts(params));
  }
  let current = {
    label: "",
    done: 0,
    total: undefined as number | undefined,
    message: undefined as string | undefined,
  };
  let lastEmit = 0;
  const emitProgress = (force: boolean) => {
    const now = performance.now();
    if (!force && now - lastEmit < PROGRESS_INTERVAL_MS) return;
    lastEmit = now;
    emit({ t: "progress", ...current });
  };
  const progress: Progress = {
    start(label, total) {
      current = { label, done: 0, total, message: undefined };
      emitProgress(true);
    },
    advance(n = 1, message) {
      current.done += n;
      if (message !== undefined) current.message = message;
      emitProgress(false);
    },
    end() {
      emitProgress(true);
    },
  };
  const log: Logger = {
    info: (message) => emit({ t: "log", level: "info", message }),
    warn: (message) => emit({ t: "log", level: "warn", message }),
  };
  const { ctx, references } = createStageContext({
    stage: job.stage,
    runId: job.runId,
    params,
    inputs: job.inputs,
    outDir: job.outDir,
    pipelineDir: job.pipelineDir,
    seed: job.seed,
    checkpointDir: job.checkpointDir,
    progress,
    log,
  });
  const summary = await definition.run(ctx);
  emit({ t: "done", summary: summary ?? null, references });
}

/** Refuses to run where the stage's facts differ from those of its cache key. */
function checkFacts(
  stage: string,
  expected: Record<string, string>,
  actual: Record<string, unknown>,
): void {
  const here = Object.fromEntries(
    Object.entries(actual).map(([k, v]) => [k, String(v)]),
  );
  const moved = [...new Set([...Object.keys(expected), ...Object.keys(here)])]
    .filter((name) => expected[name] !== here[name])
    .map((name) =>
      `${name} is ${JSON.stringify(here[name] ?? null)} here, ${
        JSON.stringify(expected[name] ?? null)
      } where the runner computed its cache key`
    );
  if (moved.length === 0) return;
  throw new HintedError(
    `Cannot run stage "${stage}" on this node: its machine facts differ (${
      moved.join("; ")
    })`,
    {
      hint:
        "the runner computes facts where it runs; set the params they follow (such as with.backend and with.replicas) so they are the same on every node, or start the runner on a node like the compute nodes",
    },
  );
}

function hintOf(error: unknown): string | undefined {
  return error instanceof HintedError ? error.hint : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

try {
  const job = await readJob();
  switch (job.mode) {
    case "describe":
      emit({ t: "result", value: await describe(job.stage) });
      break;
    case "facts":
      emit({ t: "result", value: await facts(job.stage) });
      break;
    case "run":
      await run(job);
      break;
  }
  Deno.exit(0);
} catch (error) {
  const err = error instanceof Error ? error : new Error(String(error));
  // node:child_process asks for env access before run access: say what it was.
  const message = err instanceof Deno.errors.NotCapable &&
      /child_process/.test(err.stack ?? "")
    ? `${err.message} (in node:child_process)`
    : err.message;
  emit({
    t: "error",
    name: err.name,
    message,
    hint: hintOf(err),
  });
  // Typed errors carry their own location and hint; others keep their stack for the log.
  if (
    !(err instanceof HintedError) && !(err instanceof Deno.errors.NotCapable)
  ) {
    console.error(err.stack ?? err.message);
  }
  Deno.exit(1);
}
