/**
 * Where the built-in stages live (`stages/<name>.ts`) and which there are.
 *
 * @module
 */

/** The directory holding the built-in stage modules. */
export const BUILTIN_STAGES_DIR =
  new URL("../stages/", import.meta.url).pathname;

/** Names of the built-in stages (`stages/<name>.ts`). */
export function builtinStageNames(): string[] {
  try {
    return [...Deno.readDirSync(BUILTIN_STAGES_DIR)]
      .map((entry) => entry.name.match(/^([a-z][a-z0-9_]*)\.ts$/)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
  } catch {
    return [];
  }
}

/** True when `modulePath` is one of the built-in stage modules. */
export function isBuiltinStage(modulePath: string): boolean {
  return modulePath.startsWith(BUILTIN_STAGES_DIR);
}
