/**
 * Why a stage is not cached: the difference between the facets of its last
 * run and the facets now, down to the param path, the code file, the input
 * or data file that changed.
 *
 * @module
 */
import type { Facets } from "./cache_key.ts";
import type { Digest } from "./digest.ts";
import { loadManifest, type Manifest } from "./manifest.ts";
import type { Store } from "./store.ts";

/** One reason a stage must run. */
export type StaleReason =
  | { kind: "new" }
  | { kind: "record-missing"; key: Digest }
  | { kind: "forced"; by: "force" | "from" }
  | { kind: "param"; path: string; from: unknown; to: unknown }
  | { kind: "code"; file: string; change: FileChange }
  | { kind: "npm"; name: string; from?: string; to?: string }
  | { kind: "input"; input: string; upstream: string; files: FileDiff[] }
  | { kind: "upstream"; input: string; upstream: string }
  | { kind: "data"; path: string; files: FileDiff[] }
  | { kind: "fact"; name: string; from?: string; to?: string }
  | { kind: "seed"; from: number; to: number }
  | { kind: "runtime"; name: string; from?: string; to?: string }
  | { kind: "renamed" }
  | { kind: "damaged"; files: { path: string; problem: string }[] };

/** How a file differs. */
export type FileChange = "changed" | "added" | "removed";

/** A file that differs between two manifests. */
export interface FileDiff {
  /** Path inside the artifact or data directory. */
  path: string;
  /** How it differs. */
  change: FileChange;
}

const MAX_FILES_LISTED = 5;

/**
 * Lists every difference between `previous` and `current` facets. `upstream`
 * maps input names to upstream stage names; inputs missing from `current`
 * belong to upstream stages that will run first.
 */
export async function staleReasons(
  previous: Facets,
  current: Omit<Facets, "inputs"> & {
    inputs: Record<string, Digest | undefined>;
  },
  upstream: Record<string, string>,
  store: Store,
): Promise<StaleReason[]> {
  const reasons: StaleReason[] = [];
  if (previous.stage !== current.stage) reasons.push({ kind: "renamed" });
  for (
    const { path, from, to } of diffValues(previous.params, current.params, "")
  ) {
    reasons.push({ kind: "param", path, from, to });
  }
  for (const [file, change] of diffRecords(previous.code, current.code)) {
    reasons.push({ kind: "code", file, change });
  }
  for (const name of unionKeys(previous.npm, current.npm)) {
    if (previous.npm[name] !== current.npm[name]) {
      reasons.push({
        kind: "npm",
        name,
        from: previous.npm[name],
        to: current.npm[name],
      });
    }
  }
  for (const input of unionKeys(previous.inputs, current.inputs)) {
    const now = current.inputs[input];
    const before = previous.inputs[input];
    if (now === undefined && input in current.inputs) {
      reasons.push({
        kind: "upstream",
        input,
        upstream: upstream[input] ?? input,
      });
    } else if (now !== before) {
      reasons.push({
        kind: "input",
        input,
        upstream: upstream[input] ?? input,
        files: await diffManifests(store, before, now),
      });
    }
  }
  for (const path of unionKeys(previous.data, current.data)) {
    if (previous.data[path] !== current.data[path]) {
      reasons.push({
        kind: "data",
        path,
        files: await diffManifests(
          store,
          previous.data[path],
          current.data[path],
        ),
      });
    }
  }
  for (const name of unionKeys(previous.facts, current.facts)) {
    if (previous.facts[name] !== current.facts[name]) {
      reasons.push({
        kind: "fact",
        name,
        from: previous.facts[name],
        to: current.facts[name],
      });
    }
  }
  if (previous.seed !== current.seed) {
    reasons.push({ kind: "seed", from: previous.seed, to: current.seed });
  }
  for (const name of unionKeys(previous.runtime, current.runtime)) {
    if (previous.runtime[name] !== current.runtime[name]) {
      reasons.push({
        kind: "runtime",
        name,
        from: previous.runtime[name],
        to: current.runtime[name],
      });
    }
  }
  return reasons;
}

/** One line of text per reason, for the terminal. */
export function formatReason(reason: StaleReason): string {
  const show = (value: unknown) =>
    value === undefined ? "(unset)" : JSON.stringify(value);
  const files = (diffs: FileDiff[]) =>
    diffs.length === 0
      ? ""
      : `: ${
        diffs.slice(0, MAX_FILES_LISTED).map((d) => `${d.path} ${d.change}`)
          .join(", ")
      }${
        diffs.length > MAX_FILES_LISTED
          ? ` and ${diffs.length - MAX_FILES_LISTED} more`
          : ""
      }`;
  switch (reason.kind) {
    case "new":
      return "never ran with this configuration";
    case "record-missing":
      return `its last run record (${
        reason.key.slice(0, 12)
      }…) is missing or unreadable, so it runs again`;
    case "forced":
      return reason.by === "force"
        ? "forced with --force"
        : "re-run requested with --from";
    case "param":
      return `param ${reason.path}: ${show(reason.from)} → ${show(reason.to)}`;
    case "code":
      return `code file ${reason.file} ${reason.change}`;
    case "npm":
      return `npm package ${reason.name}: ${reason.from ?? "(none)"} → ${
        reason.to ?? "(none)"
      }`;
    case "input":
      return `input ${reason.input} (from stage "${reason.upstream}") changed${
        files(reason.files)
      }`;
    case "upstream":
      return `upstream stage "${reason.upstream}" must run first`;
    case "data":
      return `data ${reason.path} changed${files(reason.files)}`;
    case "fact":
      return `${reason.name}: ${reason.from ?? "(none)"} → ${
        reason.to ?? "(none)"
      }`;
    case "seed":
      return `seed: ${reason.from} → ${reason.to}`;
    case "runtime":
      return `${reason.name}: ${reason.from ?? "(none)"} → ${
        reason.to ?? "(none)"
      }`;
    case "renamed":
      return "the stage was renamed";
    case "damaged":
      return `its stored output was damaged (${
        reason.files.slice(0, MAX_FILES_LISTED).map((f) =>
          `${f.path} ${f.problem}`
        ).join(", ")
      }); rebuilding`;
  }
}

function diffValues(
  before: unknown,
  after: unknown,
  path: string,
): { path: string; from: unknown; to: unknown }[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    return unionKeys(before, after).flatMap((key) =>
      diffValues(before[key], after[key], path ? `${path}.${key}` : key)
    );
  }
  return JSON.stringify(before) === JSON.stringify(after)
    ? []
    : [{ path: path || "(all params)", from: before, to: after }];
}

function diffRecords(
  before: Record<string, string>,
  after: Record<string, string>,
): [string, FileChange][] {
  return unionKeys(before, after)
    .filter((key) => before[key] !== after[key])
    .map((
      key,
    ) => [
      key,
      before[key] === undefined
        ? "added"
        : after[key] === undefined
        ? "removed"
        : "changed",
    ]);
}

async function diffManifests(
  store: Store,
  before?: Digest,
  after?: Digest,
): Promise<FileDiff[]> {
  if (before === undefined || after === undefined) return [];
  const [a, b] = await Promise.all([
    loadManifest(store, before),
    loadManifest(store, after),
  ]);
  if (!a || !b) return [];
  const digests = (m: Manifest) =>
    Object.fromEntries(m.files.map((f) => [f.path, f.digest]));
  return diffRecords(digests(a), digests(b))
    .map(([path, change]) => ({ path, change }));
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
