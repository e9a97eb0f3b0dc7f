/**
 * The command-line parser of main.ts and the benchmark scripts: `--name
 * value`, `--name=value`, boolean flags, one-letter aliases, repeatable
 * options, numbers checked as numbers, defaults, and positionals, with the
 * result typed from the option table. (node:util's parseArgs would load
 * Deno's Node compatibility layer, about 13 ms of every start.)
 *
 * @example
 * ```ts
 * import { parseCliArgs } from "./parse_args.ts";
 *
 * const { values } = parseCliArgs(["-j", "2", "--dry-run"], {
 *   jobs: { type: "number", short: "j", default: 1 },
 *   "dry-run": { type: "boolean" },
 * });
 * values.jobs; // 2 (a number)
 * values["dry-run"]; // true
 * ```
 *
 * @module
 */

/** How one option is read. */
export interface OptionSpec {
  /** A string or a number takes a value; a boolean does not. */
  type: "string" | "number" | "boolean";
  /** A one-letter alias (`-j`). */
  short?: string;
  /** May be given several times (values collect into an array). */
  multiple?: boolean;
  /** The value when the option is absent. */
  default?: string | number | boolean | readonly string[] | readonly number[];
}

type Scalar<S extends OptionSpec> = S["type"] extends "boolean" ? boolean
  : S["type"] extends "number" ? number
  : string;

/** The value type of one option. */
export type OptionValue<S extends OptionSpec> = S["multiple"] extends true
  ? Scalar<S>[]
  : Scalar<S>;

/** Parsed option values: present when given or defaulted. */
export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends { default: unknown } ? OptionValue<O[K]>
    : OptionValue<O[K]> | undefined;
};

/** Parsed options and positionals. */
export interface ParsedArgs<O extends Record<string, OptionSpec>> {
  /** Option values by name. */
  values: OptionValues<O>;
  /** Arguments that are not options. */
  positionals: string[];
}

/**
 * Parses `args` against `options`.
 *
 * @throws {TypeError} for an unknown option, a missing value or a number
 * option given something else.
 */
export function parseCliArgs<const O extends Record<string, OptionSpec>>(
  args: readonly string[],
  options: O,
): ParsedArgs<O> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(options)) {
    if (spec.default !== undefined) values[name] = spec.default;
  }
  const given = new Set<string>();
  const positionals: string[] = [];
  const byShort = new Map(
    Object.entries(options).filter(([, s]) => s.short).map((
      [name, s],
    ) => [s.short!, name]),
  );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith("--");
    const [rawName, inline] = long
      ? splitOnce(arg.slice(2), "=")
      : [arg.slice(1), undefined];
    const name = long ? rawName : byShort.get(rawName);
    const spec = name === undefined ? undefined : options[name];
    if (name === undefined || spec === undefined) {
      throw new TypeError(`Cannot use unknown option "${arg}"`);
    }
    if (spec.type === "boolean") {
      if (inline !== undefined) {
        throw new TypeError(`Cannot give a value to the flag "--${name}"`);
      }
      values[name] = true;
      continue;
    }
    const text = inline ?? args[++i];
    if (text === undefined) {
      throw new TypeError(`Cannot use option "--${name}" without a value`);
    }
    const value = spec.type === "number" ? toNumber(name, text) : text;
    if (spec.multiple) {
      const earlier = given.has(name) ? values[name] as unknown[] : [];
      values[name] = [...earlier, value];
    } else values[name] = value;
    given.add(name);
  }
  return { values: values as OptionValues<O>, positionals };
}

function toNumber(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new TypeError(
      `Cannot use "${text}" for option "--${name}": give a number`,
    );
  }
  return value;
}

function splitOnce(
  text: string,
  separator: string,
): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
