/**
 * A small command-line parser for main.ts: `--name value`, `--name=value`,
 * boolean flags, repeatable options and positionals. (node:util's parseArgs
 * would load Deno's Node compatibility layer, about 13 ms of every start.)
 *
 * @module
 */

/** How one option is read. */
export interface OptionSpec {
  /** A string takes a value; a boolean does not. */
  type: "string" | "boolean";
  /** A one-letter alias (`-j`). */
  short?: string;
  /** May be given several times (values collect into an array). */
  multiple?: boolean;
}

/** Parsed options and positionals. */
export interface ParsedArgs {
  /** Option values by name (strings, string arrays for `multiple`, or true). */
  values: Record<string, string | string[] | boolean | undefined>;
  /** Arguments that are not options. */
  positionals: string[];
}

/**
 * Parses `args` against `options`.
 *
 * @throws {TypeError} for an unknown option or a missing value.
 */
export function parseCliArgs(
  args: readonly string[],
  options: Record<string, OptionSpec>,
): ParsedArgs {
  const values: ParsedArgs["values"] = {};
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
    const value = inline ?? args[++i];
    if (value === undefined) {
      throw new TypeError(`Cannot use option "--${name}" without a value`);
    }
    if (spec.multiple) {
      values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    } else values[name] = value;
  }
  return { values, positionals };
}

function splitOnce(
  text: string,
  separator: string,
): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
