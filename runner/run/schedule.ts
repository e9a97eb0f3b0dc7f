/**
 * The order in which a run works through its stages: a stage starts once
 * every upstream stage is resolved, up to `jobs` at once; the dependants of
 * a failed or blocked stage are blocked without starting, and unrelated
 * branches go on.
 *
 * @module
 */

/** A node of the graph to work through. */
export interface ScheduledStage {
  /** Its name. */
  name: string;
  /** Input name → upstream stage name. */
  needs: Record<string, string>;
}

/** How a scheduled stage ended, as far as its dependants care. */
export type Resolution = "done" | "failed";

/** Options of {@linkcode schedule}. */
export interface ScheduleOptions<S extends ScheduledStage> {
  /** Stages that may run at once (at least 1). */
  jobs: number;
  /** Works on one stage; resolves to how it ended. */
  run(stage: S): Promise<Resolution>;
  /** Called for a stage that cannot start because `by` failed or was blocked. */
  blocked(stage: S, by: string): void;
}

/**
 * Works through `stages` (in topological order). Stages whose upstream is
 * not among `stages` and not resolved are left alone.
 */
export async function schedule<S extends ScheduledStage>(
  stages: readonly S[],
  options: ScheduleOptions<S>,
): Promise<void> {
  const resolved = new Map<string, Resolution>();
  const pending = [...stages];
  const running = new Map<string, Promise<void>>();
  while (pending.length > 0 || running.size > 0) {
    for (let i = 0; i < pending.length && running.size < options.jobs; i++) {
      const stage = pending[i];
      const upstream = Object.values(stage.needs);
      const broken = upstream.find((u) => resolved.get(u) === "failed");
      if (broken) {
        pending.splice(i--, 1);
        resolved.set(stage.name, "failed");
        options.blocked(stage, broken);
        continue;
      }
      if (!upstream.every((u) => resolved.has(u))) continue;
      pending.splice(i--, 1);
      const task = options.run(stage)
        .then((resolution) => void resolved.set(stage.name, resolution))
        .finally(() => running.delete(stage.name));
      running.set(stage.name, task);
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (
      pending.length > 0 &&
      !pending.some((s) => Object.values(s.needs).every((u) => resolved.has(u)))
    ) {
      // Upstream of the remaining stages was not selected: nothing more can start.
      break;
    }
  }
}
