/**
 * Asks stage modules what they are (params schema applied to the YAML params,
 * inputs, permissions, data paths) and what facts about this machine change
 * their results. Stage modules are never imported into the runner: a
 * sandboxed child that may only read code does it. Descriptions depend only
 * on the module's code and the raw params, so they are cached by both.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";
import { atomicWrite } from "../cache/atomic_write.ts";
import { canonicalJson } from "../cache/canonical_json.ts";
import { type Digest, digestBytes } from "../cache/digest.ts";
import type {
  StageDescription,
  StageFacts,
  StageProbe,
} from "./stage_protocol.ts";
import type { SandboxOptions } from "./sandbox.ts";
import { runStageProcess } from "./stage_process.ts";

/** A probe plus the digest of its module's code (the describe cache key). */
export interface DescribeRequest extends StageProbe {
  /** Digest of the module's code graph. */
  codeDigest: Digest;
  /** Absolute paths of the module's code graph (readable by the child). */
  codePaths: string[];
}

/** Thrown when the describe or facts child itself fails. */
export class DescribeError extends HintedError {
  override name = "DescribeError";
}

/** How to run describe/facts children. */
export type ProbeSandbox = Omit<SandboxOptions, "script" | "permissions"> & {
  /** Paths every child may read (node_modules). */
  read: string[];
};

const PROBE_TIMEOUT_MS = 60_000;

/** Describes each stage, from the cache under `cacheDir/describe` where possible. */
export async function describeStages(
  requests: readonly DescribeRequest[],
  cacheDir: string,
  sandbox: ProbeSandbox,
): Promise<StageDescription[]> {
  const keyOf = (r: DescribeRequest) =>
    digestBytes(
      canonicalJson({ v: 1, code: r.codeDigest, params: r.params ?? {} }),
    );
  const keys = await Promise.all(requests.map(keyOf));
  const results: (StageDescription | undefined)[] = requests.map((_, i) => {
    try {
      return JSON.parse(
        Deno.readTextFileSync(`${cacheDir}/describe/${keys[i]}.json`),
      );
    } catch {
      return undefined;
    }
  });
  const missing = requests.filter((_, i) => results[i] === undefined);
  if (missing.length > 0) {
    const fresh = await probe(
      "describe",
      missing,
      sandbox,
    ) as StageDescription[];
    let next = 0;
    for (let i = 0; i < requests.length; i++) {
      if (results[i] !== undefined) continue;
      const description = fresh[next++];
      results[i] = description;
      // A module that failed to load may work after a fix elsewhere: only cache answers.
      if (description.ok || "issues" in description) {
        await atomicWrite(
          `${cacheDir}/describe/${keys[i]}.json`,
          JSON.stringify(description),
        );
      }
    }
  }
  return results as StageDescription[];
}

/** Computes each stage's facts (never cached: they describe this machine now). */
export async function stageFacts(
  requests: readonly DescribeRequest[],
  sandbox: ProbeSandbox,
  granted: FactPermissions = { read: [], env: [], sys: [] },
): Promise<StageFacts[]> {
  if (requests.length === 0) return [];
  return await probe("facts", requests, sandbox, granted) as StageFacts[];
}

/** What the stages' own declarations let a facts probe read (never write, load or reach). */
export interface FactPermissions {
  /** Readable paths. */
  read: string[];
  /** Environment variable names. */
  env: string[];
  /** System-information names. */
  sys: string[];
}

async function probe(
  mode: "describe" | "facts",
  requests: readonly DescribeRequest[],
  sandbox: ProbeSandbox,
  granted: FactPermissions = { read: [], env: [], sys: [] },
): Promise<unknown[]> {
  const { read, ...rest } = sandbox;
  const env = { ...rest.env };
  for (const name of granted.env) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const outcome = await runStageProcess({
    job: {
      mode,
      stages: requests.map(({ name, module, params }) => ({
        name,
        module,
        params,
      })),
    },
    sandbox: {
      ...rest,
      env,
      permissions: {
        read: [
          ...read,
          ...granted.read,
          ...requests.flatMap((r) => r.codePaths),
        ],
        write: [],
        env: granted.env,
        net: [],
        ffi: [],
        sys: granted.sys,
      },
    },
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  if (outcome.code === 0 && Array.isArray(outcome.result)) {
    return outcome.result;
  }
  const names = requests.map((r) => `"${r.name}"`).join(", ");
  const reason = outcome.timedOut
    ? `it did not finish within ${PROBE_TIMEOUT_MS / 1000} s`
    : outcome.error?.message ?? outcome.tail.slice(-5).join("\n");
  throw new DescribeError(
    `Cannot ${
      mode === "describe" ? "load" : "compute the facts of"
    } stage ${names}: ${reason}`,
    {
      hint: mode === "describe"
        ? "a stage module's top level must only define the stage; load heavy or native libraries inside run()"
        : outcome.error?.hint,
    },
  );
}
