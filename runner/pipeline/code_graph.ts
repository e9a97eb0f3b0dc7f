/**
 * The code a stage runs: its module's local import graph (each file's
 * normalised-token digest, so comments and formatting do not count) and the
 * npm packages it resolves, pinned by deno.lock (name, version, integrity of
 * the package and of its dependency closure).
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";
import { type Digest, digestBytes } from "../cache/digest.ts";
import { normalisePath, relativeTo } from "../paths.ts";
import { fileIdentity, type StatCache } from "../cache/stat_cache.ts";
import { TOKENIZER_VERSION, tokenizeSource } from "./_source_tokens.ts";

/** Where a stage's code comes from. */
export interface CodeGraph {
  /** Digest of each local file's significant tokens, by path relative to the project root (or absolute when outside it). */
  files: Record<string, Digest>;
  /** Integrity of each npm package reached, by `name@version`. */
  npm: Record<string, string>;
  /** Absolute paths of every local file in the graph (they must be readable by the stage). */
  paths: string[];
}

/** What resolving bare specifiers needs: the project's import map and lockfile. */
export interface ModuleResolution {
  /** The project root (where deno.json lives). */
  projectRoot: string;
  /** deno.json `imports`. */
  imports: Record<string, string>;
  /** The parsed deno.lock (or an empty object). */
  lock: DenoLock;
}

/** The parts of deno.lock (version 4/5) the graph reads. */
export interface DenoLock {
  /** Specifier → resolved version (`"npm:zod@4"` → `"4.6.7"`). */
  specifiers?: Record<string, string>;
  /** `name@version` → integrity and dependencies. */
  npm?: Record<string, { integrity?: string; dependencies?: string[] }>;
}

/** Thrown when an import cannot be followed. */
export class CodeGraphError extends HintedError {
  override name = "CodeGraphError";
  constructor(message: string, readonly file: string, hint?: string) {
    super(message, { hint });
  }
}

const CODE_NAMESPACE = `code-tokens-v${TOKENIZER_VERSION}`;

/** Loads deno.json imports and deno.lock from the project root. */
export function loadModuleResolution(projectRoot: string): ModuleResolution {
  const readJson = (name: string) => {
    try {
      return JSON.parse(Deno.readTextFileSync(`${projectRoot}/${name}`));
    } catch {
      return {};
    }
  };
  return {
    projectRoot,
    imports: readJson("deno.json").imports ?? {},
    lock: readJson("deno.lock"),
  };
}

/**
 * Follows the local imports from `entries` (absolute paths) and returns the
 * graph. File digests come from the stat cache when the file is unchanged.
 *
 * @throws {CodeGraphError} when a local import points at a missing file.
 */
export async function codeGraph(
  entries: readonly string[],
  resolution: ModuleResolution,
  statCache: StatCache,
): Promise<CodeGraph> {
  const files: Record<string, Digest> = {};
  const npm: Record<string, string> = {};
  const paths: string[] = [];
  const queue = [...entries];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const code = await readCodeFile(path, statCache);
    if (code === undefined) continue; // a folder named by new URL(): not code
    const { digest, imports } = code;
    files[relativeTo(resolution.projectRoot, path)] = digest;
    paths.push(path);
    for (const specifier of imports) {
      const target = resolveSpecifier(specifier, path, resolution);
      if (target.kind === "file") {
        queue.push(target.path);
      } else if (target.kind === "npm") {
        addNpmClosure(target.specifier, resolution.lock, npm);
      }
    }
  }
  return { files, npm, paths: paths.sort() };
}

async function readCodeFile(
  path: string,
  statCache: StatCache,
): Promise<{ digest: Digest; imports: string[] } | undefined> {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch {
    throw new CodeGraphError(
      `Cannot read module "${path}": it does not exist`,
      path,
    );
  }
  if (info.isDirectory) return undefined;
  const identity = fileIdentity(info);
  const cached = statCache.get<{ digest: Digest; imports: string[] }>(
    CODE_NAMESPACE,
    path,
    identity,
  );
  if (cached) return cached;
  if (!/\.(ts|tsx|mts|js|jsx|mjs)$/.test(path)) {
    // An asset (a .wasm module, data): its bytes are its code.
    const result = {
      digest: await digestBytes(Deno.readFileSync(path)),
      imports: [],
    };
    statCache.set(CODE_NAMESPACE, path, identity, result);
    return result;
  }
  const source = Deno.readTextFileSync(path);
  let result: { digest: Digest; imports: string[] };
  try {
    const { tokens, imports } = tokenizeSource(source);
    result = { digest: await digestBytes(tokens.join("\u0001")), imports };
  } catch {
    // Not something the tokenizer follows: hash the bytes, and let Deno report
    // the syntax error when the stage runs.
    result = { digest: await digestBytes(source), imports: [] };
  }
  statCache.set(CODE_NAMESPACE, path, identity, result);
  return result;
}

type ResolvedSpecifier =
  | { kind: "file"; path: string }
  | { kind: "npm"; specifier: string }
  | { kind: "other" };

function resolveSpecifier(
  specifier: string,
  importer: string,
  resolution: ModuleResolution,
): ResolvedSpecifier {
  if (
    specifier.startsWith("./") || specifier.startsWith("../") ||
    specifier.startsWith("/")
  ) {
    const base = specifier.startsWith("/")
      ? ""
      : importer.slice(0, importer.lastIndexOf("/") + 1);
    return { kind: "file", path: normalisePath(base + specifier) };
  }
  if (specifier.startsWith("file://")) {
    return {
      kind: "file",
      path: decodeURIComponent(new URL(specifier).pathname),
    };
  }
  if (specifier.startsWith("npm:")) return { kind: "npm", specifier };
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return { kind: "other" }; // node:, jsr:, https:
  // A bare specifier: the longest matching key of the import map.
  const mapped = resolution.imports[specifier];
  if (mapped !== undefined) return resolveMapped(mapped, resolution);
  let bestKey = "";
  for (const key of Object.keys(resolution.imports)) {
    const prefix = key.endsWith("/") ? key : `${key}/`;
    if (specifier.startsWith(prefix) && prefix.length > bestKey.length) {
      bestKey = key;
    }
  }
  if (bestKey !== "") {
    const value = resolution.imports[bestKey];
    const rest = specifier.slice(
      bestKey.endsWith("/") ? bestKey.length : bestKey.length + 1,
    );
    return resolveMapped(
      value.endsWith("/") ? value + rest : `${value}/${rest}`,
      resolution,
    );
  }
  return { kind: "other" };
}

function resolveMapped(
  target: string,
  resolution: ModuleResolution,
): ResolvedSpecifier {
  if (target.startsWith("npm:")) return { kind: "npm", specifier: target };
  if (
    target.startsWith("./") || target.startsWith("../") ||
    target.startsWith("/")
  ) {
    const base = target.startsWith("/") ? "" : `${resolution.projectRoot}/`;
    return { kind: "file", path: normalisePath(base + target) };
  }
  return { kind: "other" };
}

/** Adds `name@version` → integrity for the package of `specifier` and every dependency it pulls in. */
function addNpmClosure(
  specifier: string,
  lock: DenoLock,
  out: Record<string, string>,
): void {
  // "npm:@scope/name@range/sub/path" → package "npm:@scope/name@range"
  const body = specifier.slice(4);
  const nameEnd = body.startsWith("@") ? body.indexOf("/") + 1 : 0;
  const at = body.indexOf("@", nameEnd);
  const name = at < 0
    ? body.split("/").slice(0, nameEnd ? 2 : 1).join("/")
    : body.slice(0, at);
  const range = at < 0 ? "" : body.slice(at + 1).split("/")[0];
  const lockSpecifier = range ? `npm:${name}@${range}` : `npm:${name}`;
  const resolved = lock.specifiers?.[lockSpecifier];
  if (resolved === undefined) {
    out[`${name}@${range || "*"}`] = "unlocked";
    return;
  }
  const queue = [`${name}@${resolved}`];
  while (queue.length > 0) {
    const key = queue.shift()!;
    if (key in out) continue;
    const entry = lock.npm?.[key];
    out[key] = entry?.integrity ?? "unknown";
    for (const dependency of entry?.dependencies ?? []) {
      queue.push(lockKeyOf(dependency, lock));
    }
  }
}

/** deno.lock names a dependency as `name` when one version exists, else `name@version`. */
function lockKeyOf(dependency: string, lock: DenoLock): string {
  if (lock.npm?.[dependency] !== undefined) return dependency;
  const prefix = `${dependency}@`;
  const match = Object.keys(lock.npm ?? {}).find((key) =>
    key.startsWith(prefix)
  );
  return match ?? dependency;
}
