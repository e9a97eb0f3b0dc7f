/**
 * What a structurally checked pipeline file holds: its stages as written
 * (with `uses` and paths resolved) and the pipeline-level settings.
 *
 * @module
 */
import type { SourceSpan } from "./config_error.ts";
import type { StageResources } from "../resources.ts";

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
  /** Resources from the YAML (`resources:`), in plain units. */
  resources: StageResources;
}

/** Where stages run: child processes of the runner, or Slurm jobs. */
export type ExecutorConfig =
  | { kind: "local" }
  | {
    kind: "slurm";
    /** The partition of every job whose stage names none. */
    partition?: string;
    /** More `sbatch` arguments for every job (`--account=…`, `--qos=…`). */
    sbatchArgs: string[];
  };

/** A remote cache (`remote:`): an HTTP server that takes GET, HEAD and PUT. */
export interface RemoteConfig {
  /** Its base URL (`https://cache.example/arcface`). */
  url: string;
  /** The environment variable holding a bearer token, if the server wants one. */
  tokenEnv?: string;
  /** Pull only, never push (CI consumers). */
  readOnly: boolean;
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
  /** How stage locks are taken (`cache_locks:`): `auto` picks leases on a network file system. */
  cacheLocks: "auto" | "flock" | "lease";
  /** Where stages run (`executor:`). */
  executor: ExecutorConfig;
  /** The remote cache (`remote:`), if any. */
  remote?: RemoteConfig;
  /** Absolute outputs directory. */
  outputsDir: string;
  /** Stages in topological order (file order among independent ones). */
  stages: StageEntry[];
  /** Locates a path inside the file for error messages (parses the YAML on first use). */
  locate(path: readonly PropertyKey[], key?: boolean): Promise<SourceSpan>;
}

/** A pipeline file's checked content, as stored in the parse cache. */
export type ParsedPipelineFile = Omit<PipelineFile, "locate">;
