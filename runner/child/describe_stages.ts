/**
 * Asks stage modules what they are (params schema applied to the YAML params,
 * inputs, permissions, data paths, resources) and what facts about this
 * machine change their results. Stage modules are never imported into the
 * runner, and never into one process together: each is described by a
 * sandboxed child of its own that may read only that module's code, and its
 * facts are computed by another with only that stage's declared grants. A
 * description depends only on the module's code and the raw params, so it is
 * cached by both; the runner writes the cache, from that stage's probe alone.
 *
 * @module
 */
import { atomicWrite } from "../cache/atomic_write.ts";
import { canonicalJson } from "../cache/canonical_json.ts";
import { type Digest, digestBytes } from "../cache/digest.ts";
import { HintedError } from "../../lib/hinted_error.ts";
import { acceptDescription, acceptFacts } from "./child_output.ts";
import type {
  StageDescription,
  StageFacts,
  StageProbe,
} from "./stage_protocol.ts";
import type { SandboxOptions } from "./sandbox.ts";
import { runStageProcess, type StageProcessResult } from "./stage_process.ts";

/** A probe plus the digest of its module's code (the describe cache key). */
export interface DescribeRequest extends StageProbe {
  /** Digest of the module's code graph. */
  codeDigest: Digest;
  /** Absolute paths of the module's code graph (readable by the child). */
  codePaths: string[];
}

/** Thrown when a describe or facts child itself fails. */
export class DescribeError extends HintedError {
  override name = "DescribeError";
}

/** How to run describe/facts children. */
export type ProbeSandbox = Omit<SandboxOptions, "script" | "permissions"> & {
  /** Paths every child may read (node_modules). */
  read: string[];
  /** Ends a probe that takes longer (SIGTERM, then SIGKILL). @default 60 s */
  timeoutMs?: number;
};

/** A facts request: the stage's own grants come with it. */
export interface FactsRequest extends DescribeRequest {
  /** What this stage's declarations let its facts probe read. */
  granted: FactPermissions;
}

/** What a stage's own declarations let its facts probe read (never write, load or reach). */
export interface FactPermissions {
  /** Readable paths. */
  read: readonly string[];
  /** Environment variable names. */
  env: readonly string[];
  /** System-information names. */
  sys: readonly string[];
}

const PROBE_TIMEOUT_MS = 60_000;
const DESCRIBE_CACHE_VERSION = 2;

/** Describes each stage, from the cache under `cacheDir/describe` where possible. */
export async function describeStages(
  requests: readonly DescribeRequest[],
  cacheDir: string,
  sandbox: ProbeSandbox,
): Promise<StageDescription[]> {
  return await Promise.all(requests.map(async (request) => {
    const key = await digestBytes(canonicalJson({
      v: DESCRIBE_CACHE_VERSION,
      code: request.codeDigest,
      params: request.params ?? {},
    }));
    const cacheFile = `${cacheDir}/describe/${key}.json`;
    try {
      const cached = acceptDescription(
        JSON.parse(Deno.readTextFileSync(cacheFile)),
      );
      if (cached) return cached;
    } catch { /* not described before */ }
    const answer = await probe("describe", request, sandbox);
    const description = acceptDescription(answer);
    if (!description) throw malformed("describe", request);
    // A module that failed to load may work after a fix elsewhere: only cache answers.
    if (description.ok || "issues" in description) {
      await atomicWrite(cacheFile, JSON.stringify(description));
    }
    return description;
  }));
}

/** Computes each stage's facts, each with its own grants (never cached: they describe this machine now). */
export async function stageFacts(
  requests: readonly FactsRequest[],
  sandbox: ProbeSandbox,
): Promise<StageFacts[]> {
  return await Promise.all(requests.map(async (request) => {
    const facts = acceptFacts(
      await probe("facts", request, sandbox, request.granted),
    );
    if (!facts) throw malformed("facts", request);
    return facts;
  }));
}

function malformed(mode: "describe" | "facts", request: StageProbe) {
  return new DescribeError(
    `Cannot ${
      mode === "describe" ? "load" : "compute the facts of"
    } stage "${request.name}": its module answered with something that is not a stage ${
      mode === "describe" ? "description" : "facts record"
    }`,
    {
      hint:
        "the module's top level must only define the stage; do not print to stdout or patch globals there",
    },
  );
}

async function probe(
  mode: "describe" | "facts",
  request: DescribeRequest,
  sandbox: ProbeSandbox,
  granted: FactPermissions = { read: [], env: [], sys: [] },
): Promise<unknown> {
  const { read, timeoutMs = PROBE_TIMEOUT_MS, ...rest } = sandbox;
  const env = { ...rest.env };
  for (const name of granted.env) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const { name, module, params } = request;
  const outcome = await runStageProcess({
    job: { mode, stage: { name, module, params } },
    sandbox: {
      ...rest,
      env,
      permissions: {
        read: [...read, ...granted.read, ...request.codePaths],
        write: [],
        env: granted.env,
        net: [],
        ffi: [],
        sys: granted.sys,
      },
    },
    timeoutMs,
  });
  if (outcome.code === 0 && outcome.result !== undefined) return outcome.result;
  throw new DescribeError(
    `Cannot ${
      mode === "describe" ? "load" : "compute the facts of"
    } stage "${name}": ${probeFailure(outcome, timeoutMs)}`,
    {
      hint: mode === "describe"
        ? "a stage module's top level must only define the stage; load heavy or native libraries inside run()"
        : outcome.error?.hint,
    },
  );
}

/** Why a probe child gave no answer, in words. */
function probeFailure(outcome: StageProcessResult, timeoutMs: number): string {
  if (outcome.timedOut) {
    return `it did not finish within ${timeoutMs / 1000} s and was ended`;
  }
  if (outcome.error) return outcome.error.message;
  const last = outcome.tail.filter((line) => line.trim() !== "").slice(-5);
  const how = outcome.signal
    ? `was killed by ${outcome.signal}`
    : `exited with code ${outcome.code}`;
  return `its module ${how} before it answered${
    last.length > 0 ? ` (last output: ${last.join(" | ")})` : ""
  }`;
}
