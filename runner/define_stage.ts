/**
 * The contract between the runner and a stage module. A stage module
 * default-exports `defineStage({...})`; the runner runs it in its own
 * permission-scoped child process and hands it a {@linkcode StageContext}.
 *
 * Keep stage modules cheap to import: load heavy libraries (tfjs, sharp,
 * vega) with `await import()` inside `run`, so that describing a stage
 * (reading its params schema) costs milliseconds.
 *
 * @module
 */
import type { z } from "zod";
import type { Random } from "../lib/random/keyed_random.ts";
import type { StageResources } from "./resources.ts";

export type { StageResources } from "./resources.ts";

/** What a stage may do beyond reading its inputs and writing its output. */
export interface StagePermissions {
  /** Environment variable names the stage may read. */
  env?: readonly string[];
  /** Hosts (`host` or `host:port`) the stage may reach. */
  net?: readonly string[];
  /**
   * Native code the stage loads: npm packages with a native addon (for
   * example `"@img/sharp-linux-x64"`), whose folders become `--allow-ffi`
   * paths, or system libraries by absolute path under /usr/lib or /lib (for
   * example `"/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0"`), granted when
   * the file exists. Where bubblewrap exists, the stage runs inside it.
   */
  ffi?: readonly string[];
  /** Extra absolute paths the stage may read (system files such as `/usr/bin/ldd`). */
  read?: readonly string[];
  /** `Deno.*` system-information names the stage may query (`--allow-sys`). */
  sys?: readonly string[];
}

/** One upstream artifact a stage consumes. */
export interface StageInput {
  /** What the stage expects to find in it. */
  description?: string;
  /** When true, the pipeline may leave this input out. */
  optional?: boolean;
}

/** Receives a stage's progress; the runner renders it. */
export interface Progress {
  /** Starts a task with an optional total count of units. */
  start(label: string, total?: number): void;
  /** Advances the current task by `n` units (default 1) with an optional status text. */
  advance(n?: number, message?: string): void;
  /** Ends the current task. */
  end(): void;
}

/** Receives a stage's log lines; they go to the stage's log file. */
export interface Logger {
  /** A line worth showing the user. */
  info(message: string): void;
  /** Something the user should look at; the run still succeeds. */
  warn(message: string): void;
}

/**
 * A directory that survives a crash of the stage, for mid-stage resume. It is
 * keyed by the stage's cache key (so a changed param never resumes from an
 * incompatible checkpoint) and removed after the stage's output is committed.
 */
export interface CheckpointStore {
  /** The checkpoint directory (created on demand, writable). */
  readonly dir: string;
  /**
   * Atomically replaces checkpoint `name`: `write` fills a fresh temporary
   * directory, which is then renamed over the previous one.
   */
  save(name: string, write: (dir: string) => Promise<void>): Promise<void>;
  /** The directory of checkpoint `name`, or undefined when none was saved. */
  load(name: string): Promise<string | undefined>;
}

/** What `run` receives. */
export interface StageContext<P> {
  /** The stage's name in the pipeline. */
  readonly stage: string;
  /** The id of this pipeline invocation (the same in every `_run.json` it writes). */
  readonly runId: string;
  /** The params from pipeline.yaml, validated and defaulted by the stage's schema. */
  readonly params: P;
  /** Absolute, read-only directory of each upstream artifact, by input name. */
  readonly inputs: Readonly<Record<string, string>>;
  /** The one directory the stage may write; it becomes the stage's artifact. */
  readonly outDir: string;
  /** The directory of the pipeline file; relative data paths resolve against it. */
  readonly pipelineDir: string;
  /** The pipeline seed mixed with the stage name. */
  readonly seed: number;
  /** A generator seeded with {@linkcode StageContext.seed}. */
  readonly rng: Random;
  /** Progress sink. */
  readonly progress: Progress;
  /** Log sink. */
  readonly log: Logger;
  /** Crash-surviving storage for mid-stage resume. */
  readonly checkpoints: CheckpointStore;
  /**
   * Adds a file outside `outDir` (one the stage was allowed to read) to the
   * artifact by reference, under `asPath`, instead of copying it. The runner
   * records its digest; consumers may read it.
   */
  reference(absolutePath: string, asPath: string): void;
}

/** A short summary a stage may return; it is stored with the run and shown in the report. */
export type StageSummary = Record<string, unknown>;

/** Everything a stage module declares. */
export interface StageDefinition<S extends z.ZodType = z.ZodType> {
  /** One line on what the stage does. */
  description: string;
  /** The schema of `with:` in pipeline.yaml. Use strict objects so typos are caught. */
  params: S;
  /** Upstream artifacts the stage consumes, by input name. */
  inputs?: Readonly<Record<string, StageInput>>;
  /** Permissions beyond reading inputs and writing the output. */
  permissions?: StagePermissions;
  /**
   * Data paths named by the params (relative to the pipeline file). They are
   * readable by the stage and their content is part of its cache key.
   */
  reads?: (params: z.output<S>) => readonly string[];
  /**
   * Facts about this machine that change the stage's results (library
   * versions, the resolved compute backend). They are part of the cache key
   * and evaluated on every run, so keep them cheap.
   */
  facts?: (params: z.output<S>) => Promise<Record<string, string>>;
  /**
   * The resources the stage asks for with these params (memory, time, and
   * for cluster executors cores, GPUs, partition); the pipeline file's
   * `resources:` overrides each.
   */
  resources?: (params: z.output<S>) => StageResources;
  /** Does the work. */
  run(ctx: StageContext<z.output<S>>): Promise<StageSummary | void>;
}

/**
 * Declares a stage module; the type of `ctx.params` follows from the schema.
 *
 * @example A stage that writes its params back out
 * ```ts
 * import { z } from "zod";
 * import { defineStage } from "./define_stage.ts";
 *
 * export default defineStage({
 *   description: "Echoes its params",
 *   params: z.strictObject({ message: z.string().default("hi") }),
 *   async run(ctx) {
 *     await Deno.writeTextFile(`${ctx.outDir}/message.txt`, ctx.params.message);
 *   },
 * });
 * ```
 */
export function defineStage<S extends z.ZodType>(
  definition: StageDefinition<S>,
): StageDefinition<S> {
  return definition;
}
