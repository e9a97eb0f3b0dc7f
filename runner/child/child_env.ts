/**
 * The environment and sandbox settings every stage child starts from,
 * whatever the stage: a fixed, minimal environment (nothing of the runner's
 * own is inherited) and the project's config and lockfile.
 *
 * @module
 */
import { PROJECT_ROOT } from "../paths.ts";
import type { ProbeSandbox } from "./describe_stages.ts";

/** Everything a child process needs that does not depend on the stage. */
export function probeSandbox(): ProbeSandbox {
  return {
    read: [`${PROJECT_ROOT}/node_modules`],
    cwd: PROJECT_ROOT,
    env: childBaseEnv(),
    configPath: `${PROJECT_ROOT}/deno.json`,
  };
}

/** The environment every stage child gets (plus the variables it declares). */
export function childBaseEnv(): Record<string, string> {
  const home = Deno.env.get("HOME");
  const denoDir = Deno.env.get("DENO_DIR") ??
    (Deno.env.get("XDG_CACHE_HOME")
      ? `${Deno.env.get("XDG_CACHE_HOME")}/deno`
      : home
      ? `${home}/.cache/deno`
      : undefined);
  const env: Record<string, string> = {
    NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1",
  };
  if (home) env.HOME = home;
  if (denoDir) env.DENO_DIR = denoDir;
  return env;
}
