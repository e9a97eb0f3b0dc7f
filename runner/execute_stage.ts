/**
 * Runs one stage for real: a private staging directory, a checkpoint
 * directory that survives crashes, the sandboxed child with exactly the
 * stage's permissions, then the commit: objects into the store, the tree,
 * and the run record written last.
 *
 * @module
 */
import type { Facets } from "./cache_key.ts";
import { ArtifactError, commitArtifact } from "./commit_artifact.ts";
import type { Digest } from "./digest.ts";
import type { ArtifactRef, RunState } from "./evaluate_stage.ts";
import {
  childBaseEnv,
  type LoadedStage,
  PROJECT_ROOT,
} from "./load_pipeline.ts";
import type { RunReporter } from "./run_reporter.ts";
import { type RunRecord, writeHead, writeRunRecord } from "./run_record.ts";
import type { SandboxPermissions } from "./sandbox.ts";
import { explainStageFailure, StageFailedError } from "./stage_failed_error.ts";
import { runStageProcess } from "./stage_process.ts";
import type { StaleReason } from "./stale_reasons.ts";
import { materializeTree, removeTree } from "./tree.ts";
import { RUN_INFO_FILE } from "./manifest.ts";
import type { SourceSpan } from "./config_error.ts";
import { displayPath } from "./display_path.ts";
import { BUILTIN_STAGES_DIR } from "./pipeline_file.ts";
import { nativePackageDirs } from "./_native_packages.ts";

/** Options of {@linkcode executeStage}. */
export interface ExecuteOptions {
  /** The run's shared state. */
  state: RunState;
  /** The stage's cache key. */
  key: Digest;
  /** Its facets (every input known). */
  facets: Facets;
  /** Why it runs. */
  reasons: StaleReason[];
  /** Upstream artifacts by stage name. */
  upstream: ReadonlyMap<string, ArtifactRef | undefined>;
  /** Start afresh instead of resuming from checkpoints. */
  fresh: boolean;
  /** The pipeline invocation's id. */
  runId: string;
  /** The pipeline's identity (digest of its path), for heads. */
  pipelineId: Digest;
  /** Where events go. */
  reporter: RunReporter;
  /** Confine native code with bubblewrap where available. */
  confine: "auto" | "never";
  /** Aborts the stage. */
  signal?: AbortSignal;
}

/**
 * Runs the stage and commits its output.
 *
 * @throws {StageFailedError} when the stage fails or its output cannot be stored.
 */
export async function executeStage(
  stage: LoadedStage,
  options: ExecuteOptions,
): Promise<
  {
    artifact: ArtifactRef;
    summary: Record<string, unknown> | null;
    durationMs: number;
  }
> {
  const { state, key, reporter } = options;
  const { pipeline, store } = state;
  const staging = `${pipeline.cacheDir}/staging/${key}`;
  const checkpointDir = `${pipeline.cacheDir}/checkpoints/${key}`;
  const logFile = `${pipeline.outputsDir}/${stage.name}.log`;

  await removeTree(staging); // left by an interrupted run
  await Deno.mkdir(staging, { recursive: true });
  if (options.fresh) await removeTree(checkpointDir);
  const resuming = await hasEntries(checkpointDir);
  await Deno.mkdir(checkpointDir, { recursive: true });
  await Deno.mkdir(pipeline.outputsDir, { recursive: true });
  await Deno.writeTextFile(
    logFile,
    `# stage ${stage.name} (${stage.uses}), key ${key}, started ${
      new Date().toISOString()
    }\n`,
  );

  const inputs: Record<string, string> = {};
  const inputExternals: string[] = [];
  for (const [input, upstreamName] of Object.entries(stage.needs)) {
    const artifact = options.upstream.get(upstreamName)!;
    inputs[input] = artifact.tree;
    for (const file of artifact.manifest.files) {
      if (file.external) inputExternals.push(file.external);
    }
  }
  const declared = stage.description.permissions;
  // Data paths as written and as resolved: Deno checks the path a stage
  // opens, which is the real one once code follows a symbolic link.
  const readable = [
    ...stage.dataPaths.flatMap(withRealPath),
    ...Object.values(inputs),
    ...inputExternals,
  ];
  const permissions: SandboxPermissions = {
    read: [
      ...stage.code.paths,
      `${PROJECT_ROOT}/node_modules`,
      ...readable,
      ...declared.read,
      staging,
      checkpointDir,
    ],
    write: [staging, checkpointDir, ...stage.permissions.write],
    env: [...declared.env, ...stage.permissions.env],
    net: [...declared.net, ...stage.permissions.net],
    ffi: nativePackageDirs(`${PROJECT_ROOT}/node_modules/.deno`, [
      ...declared.ffi,
      ...stage.permissions.ffi,
    ]),
    sys: [...declared.sys, ...stage.permissions.sys],
  };
  const env = childBaseEnv();
  for (const name of permissions.env) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }

  reporter.stageStarted(stage.name, { reasons: options.reasons, resuming });
  // A module from outside this project grants itself what it declares: say so.
  if (!stage.modulePath.startsWith(BUILTIN_STAGES_DIR)) {
    const asked = Object.entries(declared).filter(([, values]) =>
      values.length > 0
    )
      .map(([kind, values]) => `${kind} ${values.join(", ")}`);
    if (asked.length > 0) {
      reporter.warn(
        `stage "${stage.name}" (${stage.uses}) declares its own permissions: ${
          asked.join("; ")
        }`,
      );
    }
  }
  const startedAt = new Date();
  const started = performance.now();
  let outcome;
  try {
    outcome = await runStageProcess({
      job: {
        mode: "run",
        stage: stage.name,
        runId: options.runId,
        module: stage.modulePath,
        params: stage.description.params,
        inputs,
        outDir: staging,
        pipelineDir: pipeline.dir,
        seed: stage.seed,
        checkpointDir,
      },
      sandbox: {
        permissions,
        cwd: pipeline.dir,
        env,
        configPath: `${PROJECT_ROOT}/deno.json`,
        confine: options.confine,
      },
      logFile,
      signal: options.signal,
      onEvent: (event) => {
        if (event.t === "progress") reporter.stageProgress(stage.name, event);
        else if (event.t === "log") {
          reporter.stageLog(stage.name, event.level, event.message);
        }
      },
    });
  } catch (error) {
    throw new StageFailedError(
      stage.name,
      `Cannot start stage "${stage.name}": ${(error as Error).message}`,
      {
        exitCode: null,
        logTail: [],
        logFile,
        cause: error,
      },
    );
  }
  if (outcome.confinement === "unconfined") {
    reporter.warn(
      `stage "${stage.name}" loads native code, and bubblewrap is not installed: its native code runs unconfined (apt-get install bubblewrap)`,
    );
  }
  const durationMs = Math.round(performance.now() - started);
  if (outcome.code !== 0 || !outcome.done) {
    const { message, hint } = explainStageFailure(
      stage.name,
      {
        code: outcome.code,
        signal: outcome.signal,
        errorMessage: outcome.error?.message,
        tail: outcome.tail,
      },
      yamlKey(await pipeline.locate(["stages", stage.name], true), stage.name),
    );
    await removeTree(staging);
    throw new StageFailedError(stage.name, message, {
      exitCode: outcome.code,
      logTail: outcome.tail,
      logFile,
      hint: hint ?? outcome.error?.hint,
    });
  }

  const summary = outcome.done.summary;
  const runInfo = {
    stage: stage.name,
    uses: stage.uses,
    key,
    runId: options.runId,
    startedAt: startedAt.toISOString(),
    durationMs,
    summary,
  };
  try {
    await Deno.writeTextFile(
      `${staging}/${RUN_INFO_FILE}`,
      `${JSON.stringify(runInfo, null, 1)}\n`,
    );
    for (const reference of outcome.done.references) {
      if (!readable.some((root) => isInside(reference.absolutePath, root))) {
        throw new ArtifactError(
          `Cannot reference "${reference.absolutePath}": the stage may only reference files it was given to read`,
        );
      }
    }
    const { digest, content, manifest } = await commitArtifact(staging, {
      store,
      statCache: state.statCache,
      hasher: state.hasher,
      references: outcome.done.references,
    });
    const tree = await materializeTree(
      pipeline.cacheDir,
      store,
      digest,
      manifest,
    );
    const record: RunRecord = {
      version: 1,
      key,
      artifact: digest,
      content,
      facets: options.facets,
      uses: stage.uses,
      runId: options.runId,
      startedAt: runInfo.startedAt,
      durationMs,
      summary,
    };
    await writeRunRecord(pipeline.cacheDir, record);
    await writeHead(pipeline.cacheDir, options.pipelineId, stage.name, key);
    await removeTree(staging);
    await removeTree(checkpointDir);
    return {
      artifact: { digest, content, manifest, tree },
      summary,
      durationMs,
    };
  } catch (error) {
    await removeTree(staging);
    const artifactError = error instanceof ArtifactError ? error : undefined;
    throw new StageFailedError(
      stage.name,
      `Cannot store the output of stage "${stage.name}": ${
        (error as Error).message
      }`,
      {
        exitCode: 0,
        logTail: outcome.tail,
        logFile,
        hint: artifactError?.hint,
        cause: error,
      },
    );
  }
}

/** `path`, plus the path it resolves to when that differs (it crosses a symbolic link). */
function withRealPath(path: string): string[] {
  try {
    const real = Deno.realPathSync(path);
    return real === path ? [path] : [path, real];
  } catch {
    return [path];
  }
}

/** Names a key of the stage in the pipeline file, for hints. */
function yamlKey(at: SourceSpan, stage: string): (field: string) => string {
  return (field) =>
    `stages.${stage}.${field} in ${
      displayPath(at.file)
    } (stage at line ${at.line})`;
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

async function hasEntries(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return true;
  } catch { /* missing */ }
  return false;
}
