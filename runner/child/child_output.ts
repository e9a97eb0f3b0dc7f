/**
 * The trust boundary: everything a stage process says crosses into the
 * runner here, and nothing else in the runner parses child output. A stage
 * module may be hostile, so an event line is taken only when it has the
 * exact shape of an event, within size limits; text meant for the terminal
 * loses its control characters (no escape sequences reach the user's
 * terminal); a name meant for inside an artifact must be a plain relative
 * path; a file a stage references must, on its real path, lie inside
 * what the stage was given to read; and what a cluster job leaves in its
 * folder on a shared file system is read with the same suspicion.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";
import { isInside } from "../paths.ts";
import { badArtifactName } from "../cache/manifest.ts";
import type {
  StageDescription,
  StageEvent,
  StageFacts,
} from "./stage_protocol.ts";
import type { SlurmJobExit } from "./slurm/slurm_job_spec.ts";

/** Longest text field of an event that the runner keeps. */
const MAX_TEXT = 16_384;
/** Longest event line (a done event's summary and references included). */
export const MAX_EVENT_BYTES = 4 << 20;

/** A child said something the runner refuses. */
export class ChildOutputError extends HintedError {
  override name = "ChildOutputError";
}

/**
 * `text` without control characters (ANSI escapes, carriage returns, NUL):
 * safe to print on a terminal. Tabs become spaces; the length is capped.
 */
export function terminalSafe(text: string, max = MAX_TEXT): string {
  // deno-lint-ignore no-control-regex
  const clean = text.replace(/\t/g, " ").replace(/[\x00-\x1f\x7f-\x9f]/g, "");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * Parses one event line (without its marker). Returns undefined for a line
 * that is not a well-formed event: the runner then treats it as log text.
 */
export function parseEvent(json: string): StageEvent | undefined {
  if (json.length > MAX_EVENT_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  switch (value.t) {
    case "progress": {
      const { label, done, total, message } = value;
      if (typeof label !== "string" || !isFiniteNumber(done)) return undefined;
      if (total !== undefined && !isFiniteNumber(total)) return undefined;
      if (message !== undefined && typeof message !== "string") {
        return undefined;
      }
      return {
        t: "progress",
        label: terminalSafe(label, 200),
        done,
        ...(total === undefined ? {} : { total }),
        ...(message === undefined ? {} : { message: terminalSafe(message) }),
      };
    }
    case "log":
      if (
        (value.level !== "info" && value.level !== "warn") ||
        typeof value.message !== "string"
      ) return undefined;
      return {
        t: "log",
        level: value.level,
        message: terminalSafe(value.message),
      };
    case "result":
      return "value" in value ? { t: "result", value: value.value } : undefined;
    case "done": {
      const { summary, references } = value;
      if (summary !== null && !isRecord(summary)) return undefined;
      if (!Array.isArray(references)) return undefined;
      const refs: { absolutePath: string; asPath: string }[] = [];
      for (const ref of references) {
        if (
          !isRecord(ref) || typeof ref.absolutePath !== "string" ||
          typeof ref.asPath !== "string"
        ) return undefined;
        refs.push({ absolutePath: ref.absolutePath, asPath: ref.asPath });
      }
      return { t: "done", summary, references: refs };
    }
    case "error": {
      const { name, message, hint } = value;
      if (typeof name !== "string" || typeof message !== "string") {
        return undefined;
      }
      if (hint !== undefined && typeof hint !== "string") return undefined;
      return {
        t: "error",
        name: terminalSafe(name, 200),
        message: terminalSafe(message),
        ...(hint === undefined ? {} : { hint: terminalSafe(hint) }),
      };
    }
    default:
      return undefined;
  }
}

/** A file a stage added to its output by reference. */
export interface ChildReference {
  /** The path the stage gave. */
  absolutePath: string;
  /** Its name inside the artifact. */
  asPath: string;
}

/**
 * Accepts a stage's references: each name must be a plain artifact name,
 * and each file, on its real path (symbolic links resolved), must be a
 * regular file inside one of `readableRoots` (also compared by real path).
 * Returns the references with their real paths.
 *
 * @throws {ChildOutputError} naming the first reference refused and why
 */
export function acceptReferences(
  references: readonly ChildReference[],
  readableRoots: readonly string[],
): ChildReference[] {
  const roots = readableRoots.flatMap((root) => {
    try {
      return [Deno.realPathSync(root)];
    } catch {
      return [];
    }
  });
  return references.map((reference) => {
    const { absolutePath, asPath } = reference;
    const bad = badArtifactName(asPath);
    if (bad !== undefined) {
      throw new ChildOutputError(
        `Cannot add "${terminalSafe(asPath, 200)}" to the output: ${bad}`,
        { hint: "name a referenced file by a plain path inside the output" },
      );
    }
    let real: string;
    try {
      if (!absolutePath.startsWith("/") || absolutePath.includes("\0")) {
        throw new Error("not an absolute path");
      }
      real = Deno.realPathSync(absolutePath);
    } catch {
      throw new ChildOutputError(
        `Cannot reference "${
          terminalSafe(absolutePath, 200)
        }": it is not an existing absolute path`,
      );
    }
    if (!roots.some((root) => isInside(real, root))) {
      throw new ChildOutputError(
        `Cannot reference "${
          terminalSafe(absolutePath, 200)
        }": it resolves to "${real}", outside what the stage was given to read`,
        {
          hint:
            "a stage may only reference files of its inputs and of the data paths its params name",
        },
      );
    }
    if (!Deno.statSync(real).isFile) {
      throw new ChildOutputError(
        `Cannot reference "${
          terminalSafe(absolutePath, 200)
        }": it is not a regular file`,
        { hint: "reference each file of a directory separately" },
      );
    }
    return { absolutePath: real, asPath };
  });
}

/**
 * Takes a describe probe's answer for one stage, or undefined when it is not
 * a well-formed description (every list a list of strings, every resource a
 * positive number, no extra permission kinds).
 */
export function acceptDescription(
  value: unknown,
): StageDescription | undefined {
  if (!isRecord(value)) return undefined;
  if (value.ok === false) {
    if (Array.isArray(value.issues)) {
      const issues = value.issues.filter((i) =>
        isRecord(i) && Array.isArray(i.path) &&
        i.path.every((p) => typeof p === "string" || typeof p === "number") &&
        typeof i.message === "string" &&
        (i.hint === undefined || typeof i.hint === "string")
      );
      if (issues.length !== value.issues.length || issues.length === 0) {
        return undefined;
      }
      return {
        ok: false,
        issues: issues.map((i) => ({
          path: i.path as (string | number)[],
          message: terminalSafe(i.message as string),
          ...(i.hint === undefined
            ? {}
            : { hint: terminalSafe(i.hint as string) }),
          ...(i.key === true ? { key: true } : {}),
        })),
      };
    }
    if (typeof value.loadError !== "string") return undefined;
    return {
      ok: false,
      loadError: terminalSafe(value.loadError),
      ...(typeof value.hint === "string"
        ? { hint: terminalSafe(value.hint) }
        : {}),
    };
  }
  const { permissions, inputs, resources } = value;
  if (
    value.ok !== true || typeof value.description !== "string" ||
    !isStringList(value.reads) || typeof value.hasFacts !== "boolean" ||
    !isRecord(permissions) || !isRecord(inputs) || !isRecord(resources)
  ) return undefined;
  const kinds = ["env", "net", "ffi", "read", "sys"] as const;
  if (
    Object.keys(permissions).some((k) =>
      !(kinds as readonly string[]).includes(k)
    ) ||
    !kinds.every((k) => isStringList(permissions[k]))
  ) return undefined;
  for (const input of Object.values(inputs)) {
    if (!isRecord(input) || typeof input.optional !== "boolean") {
      return undefined;
    }
  }
  const numeric = [
    "memoryBytes",
    "timeMs",
    "cpus",
    "gpus",
    "maxOutputFiles",
    "maxOutputBytes",
  ];
  for (const [key, v] of Object.entries(resources)) {
    const ok = key === "partition"
      ? typeof v === "string"
      : numeric.includes(key) && isFiniteNumber(v) && v >= 0;
    if (!ok) return undefined;
  }
  return value as StageDescription;
}

/** Takes a facts probe's answer for one stage, or undefined when it is not well-formed. */
export function acceptFacts(value: unknown): StageFacts | undefined {
  if (!isRecord(value)) return undefined;
  if (value.ok === true && isRecord(value.facts)) {
    const facts = value.facts;
    if (!Object.values(facts).every((v) => typeof v === "string")) {
      return undefined;
    }
    return { ok: true, facts: facts as Record<string, string> };
  }
  if (value.ok === false && typeof value.error === "string") {
    return {
      ok: false,
      error: terminalSafe(value.error),
      ...(typeof value.hint === "string"
        ? { hint: terminalSafe(value.hint) }
        : {}),
    };
  }
  return undefined;
}

/** The signals a job's exit may name. */
const SIGNALS: readonly string[] = [
  "SIGTERM",
  "SIGKILL",
  "SIGINT",
  "SIGABRT",
  "SIGSEGV",
  "SIGBUS",
  "SIGHUP",
  "SIGQUIT",
  "SIGPIPE",
  "SIGUSR1",
  "SIGUSR2",
  "SIGXCPU",
  "SIGILL",
  "SIGFPE",
];

/**
 * Takes the exit file a cluster job left (`exit.json`, written by the job
 * program on the node), or undefined when it is missing or not well-formed.
 */
export function acceptJobExit(value: unknown): SlurmJobExit | undefined {
  if (!isRecord(value) || value.version !== 1) return undefined;
  const { host, code, signal, confinement, peakMemoryBytes } = value;
  if (
    typeof host !== "string" || !Number.isInteger(code) ||
    !(signal === null ||
      (typeof signal === "string" && SIGNALS.includes(signal))) ||
    !["none-needed", "bwrap", "unconfined"].includes(String(confinement)) ||
    !isFiniteNumber(peakMemoryBytes) ||
    ["timedOut", "outOfMemory", "terminated"].some((k) =>
      typeof value[k] !== "boolean"
    )
  ) return undefined;
  return {
    ...(value as unknown as SlurmJobExit),
    host: terminalSafe(host, 200),
  };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
