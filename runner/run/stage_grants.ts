/**
 * What a running stage may touch: its code, node_modules, its inputs, the
 * data paths its params name, what its module declares and what the
 * pipeline file grants, and nothing else.
 *
 * @module
 */
import type { ArtifactRef } from "../cache/artifact.ts";
import { nativePackageDirs } from "../child/native_packages.ts";
import type { SandboxPermissions } from "../child/sandbox.ts";
import type { LoadedStage } from "../pipeline/load_pipeline.ts";
import { displayPath, isInside, PROJECT_ROOT } from "../paths.ts";

/** Where a stage run writes. */
export interface StageDirs {
  /** Its private staging directory (it becomes the output). */
  staging: string;
  /** Its checkpoint directory (survives crashes). */
  checkpointDir: string;
}

/** A stage's permissions for one run, and the paths it may read data from. */
export interface StageGrants {
  /** The sandbox permissions. */
  permissions: SandboxPermissions;
  /** Data paths, input trees and their referenced files: what it may reference. */
  readable: string[];
  /** Input directory by input name. */
  inputs: Record<string, string>;
}

/** The grants of `stage` given its upstream artifacts. */
export function stageGrants(
  stage: LoadedStage,
  upstream: ReadonlyMap<string, ArtifactRef | undefined>,
  dirs: StageDirs,
): StageGrants {
  const inputs: Record<string, string> = {};
  const inputExternals: string[] = [];
  for (const [input, upstreamName] of Object.entries(stage.needs)) {
    const artifact = upstream.get(upstreamName)!;
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
      dirs.staging,
      dirs.checkpointDir,
    ],
    write: [dirs.staging, dirs.checkpointDir, ...stage.permissions.write],
    env: [...declared.env, ...stage.permissions.env],
    net: [...declared.net, ...stage.permissions.net],
    ffi: nativePackageDirs(`${PROJECT_ROOT}/node_modules/.deno`, [
      ...declared.ffi,
      ...stage.permissions.ffi,
    ]),
    sys: [...declared.sys, ...stage.permissions.sys],
  };
  return { permissions, readable, inputs };
}

/** One permission a stage gets beyond its code, its inputs and the data paths its params name. */
export interface GrantNote {
  /** The kind: read, write, env, net, ffi or sys. */
  kind: string;
  /** The path, variable, host, package or name granted. */
  value: string;
  /** Where it comes from. */
  source: "module" | "pipeline" | "reads()" | "code";
}

/**
 * Every grant of `stage` that goes beyond its code, its inputs and the data
 * paths its params name, with where it comes from: the module's
 * `permissions`, a `reads()` path its params do not name, a file its code
 * reaches (an import or `new URL()`) outside its own folder and the
 * project, or the pipeline file's `permissions:`.
 */
export function grantNotes(stage: LoadedStage): GrantNote[] {
  const notes: GrantNote[] = [];
  for (const [kind, values] of Object.entries(stage.description.permissions)) {
    for (const value of values) notes.push({ kind, value, source: "module" });
  }
  const named = new Set(stringsIn(stage.with));
  for (const path of stage.description.reads) {
    if (!named.has(path)) {
      notes.push({ kind: "read", value: path, source: "reads()" });
    }
  }
  const moduleDir = stage.modulePath.slice(
    0,
    stage.modulePath.lastIndexOf("/"),
  );
  for (const path of stage.code.paths) {
    if (!isInside(path, moduleDir) && !isInside(path, PROJECT_ROOT)) {
      notes.push({ kind: "read", value: path, source: "code" });
    }
  }
  for (const [kind, values] of Object.entries(stage.permissions)) {
    for (const value of values) notes.push({ kind, value, source: "pipeline" });
  }
  return notes;
}

/** A grant in words: `read /etc/hostname (from its module's permissions)`. */
export function formatGrant(note: GrantNote): string {
  const where = {
    module: "its module's permissions",
    pipeline: "the pipeline file's permissions",
    "reads()": "its module's reads(), though no param names it",
    code: "its module's code (an import or new URL()) outside its folder",
  }[note.source];
  const value = note.value.startsWith("/")
    ? displayPath(note.value)
    : note.value;
  return `${note.kind} ${value} (from ${where})`;
}

function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") {
    return Object.values(value).flatMap(stringsIn);
  }
  return [];
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
