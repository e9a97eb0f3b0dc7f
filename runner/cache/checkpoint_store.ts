/**
 * A directory-backed {@linkcode CheckpointStore}: each named checkpoint is a
 * directory replaced atomically, so a crash mid-save leaves the previous one.
 *
 * @module
 */
import type { CheckpointStore } from "../define_stage.ts";

/** Creates a checkpoint store rooted at `dir` (created on first save). */
export function createCheckpointStore(dir: string): CheckpointStore {
  return {
    dir,
    async save(name, write) {
      checkName(name);
      await Deno.mkdir(dir, { recursive: true });
      const target = `${dir}/${name}`;
      const fresh = `${dir}/.${name}.new`;
      const previous = `${dir}/.${name}.old`;
      await Deno.remove(fresh, { recursive: true }).catch(ignoreNotFound);
      await Deno.mkdir(fresh);
      await write(fresh);
      // Linux cannot rename over a non-empty directory: move the old one aside
      // first. load() falls back to it if a crash lands between the renames.
      await Deno.remove(previous, { recursive: true }).catch(ignoreNotFound);
      await Deno.rename(target, previous).catch(ignoreNotFound);
      await Deno.rename(fresh, target);
      await Deno.remove(previous, { recursive: true }).catch(ignoreNotFound);
    },
    async load(name) {
      checkName(name);
      for (const candidate of [`${dir}/${name}`, `${dir}/.${name}.old`]) {
        try {
          if ((await Deno.stat(candidate)).isDirectory) return candidate;
        } catch (error) {
          ignoreNotFound(error);
        }
      }
      return undefined;
    },
  };
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) {
    throw new TypeError(
      `Cannot use checkpoint name "${name}": use letters, digits, '.', '_' and '-' only`,
    );
  }
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}
