/**
 * Which stages a run evaluates, may run, and must re-run, from the command
 * line's --from, --only and --force.
 *
 * @module
 */
import { closestName } from "../closest_name.ts";
import { ConfigError } from "../pipeline/config_error.ts";
import type { Pipeline } from "../pipeline/load_pipeline.ts";
import { displayPath } from "../paths.ts";

/** The stage-selecting options of a run. */
export interface StageSelection {
  /** Re-run this stage and every stage after it. */
  from?: string;
  /** Run only this stage. */
  only?: string;
  /** Re-run these stages even if cached. */
  force?: readonly string[];
}

/**
 * Checks that the selecting flags name stages of the pipeline.
 *
 * @throws {ConfigError} naming the closest stage name
 */
export function checkStageFlags(
  pipeline: Pipeline,
  options: StageSelection,
): void {
  const names = pipeline.stages.map((s) => s.name);
  const problems = [
    ...(options.from ? [["--from", options.from]] : []),
    ...(options.only ? [["--only", options.only]] : []),
    ...(options.force ?? []).map((name) => ["--force", name]),
  ].filter(([, name]) => !names.includes(name)).map(([flag, name]) => {
    const suggestion = closestName(name, names);
    return {
      at: { file: displayPath(pipeline.path), line: 1, column: 1 },
      message: `Cannot find stage "${name}" given to ${flag}`,
      hint: suggestion
        ? `did you mean "${suggestion}"?`
        : `stages: ${names.join(", ")}`,
    };
  });
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Which stages are evaluated and which may run. */
export function selectStages(
  pipeline: Pipeline,
  options: StageSelection,
): { evaluate: Set<string>; run: Set<string> } {
  const all = new Set(pipeline.stages.map((s) => s.name));
  if (!options.only) return { evaluate: all, run: all };
  const evaluate = new Set<string>();
  const visit = (name: string) => {
    if (evaluate.has(name)) return;
    evaluate.add(name);
    for (
      const upstream of Object.values(
        pipeline.stages.find((s) => s.name === name)!.needs,
      )
    ) visit(upstream);
  };
  visit(options.only);
  return { evaluate, run: new Set([options.only]) };
}

/** The stages to re-run even if cached, and why. */
export function forcedStages(
  pipeline: Pipeline,
  options: StageSelection,
): Map<string, "force" | "from"> {
  const forced = new Map<string, "force" | "from">();
  for (const name of options.force ?? []) forced.set(name, "force");
  if (options.from) {
    forced.set(options.from, "from");
    for (const stage of pipeline.stages) {
      if (Object.values(stage.needs).some((u) => forced.get(u) === "from")) {
        forced.set(stage.name, "from");
      }
    }
  }
  return forced;
}
