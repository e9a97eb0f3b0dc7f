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
import { PROJECT_ROOT } from "../paths.ts";

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

/** `path`, plus the path it resolves to when that differs (it crosses a symbolic link). */
function withRealPath(path: string): string[] {
  try {
    const real = Deno.realPathSync(path);
    return real === path ? [path] : [path, real];
  } catch {
    return [path];
  }
}
