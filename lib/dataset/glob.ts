/**
 * File globs for data paths: `*` and `?` within a path segment, `[abc]`
 * character classes, and `**` for any number of directories.
 *
 * @module
 */

const MAGIC = /[*?[]/;

/**
 * The static directory prefix of a glob (the part before the first segment
 * with a wildcard); the pattern itself when it has no wildcard.
 *
 * @example
 * ```ts
 * import { globBase } from "./glob.ts";
 * if (globBase("data/gld/*.tfrecords") !== "data/gld") throw new Error();
 * ```
 */
export function globBase(pattern: string): string {
  const segments = pattern.split("/");
  const first = segments.findIndex((s) => MAGIC.test(s));
  if (first < 0) return pattern;
  const base = segments.slice(0, first).join("/");
  return base === "" ? (pattern.startsWith("/") ? "/" : ".") : base;
}

/**
 * The files matching `pattern` (relative patterns resolve against `root`),
 * as absolute paths in sorted order. Hidden entries match only when the
 * pattern segment starts with a dot.
 */
export async function expandGlob(
  pattern: string,
  root: string,
): Promise<string[]> {
  const absolute = pattern.startsWith("/")
    ? pattern
    : `${root.replace(/\/$/, "")}/${pattern}`;
  const base = globBase(absolute);
  if (base === absolute) {
    try {
      return (await Deno.stat(absolute)).isFile ? [absolute] : [];
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
  }
  const rest = absolute.slice(base === "/" ? 1 : base.length + 1).split("/");
  const out: string[] = [];
  await walk(base, rest, out);
  return out.sort();
}

async function walk(
  dir: string,
  segments: string[],
  out: string[],
): Promise<void> {
  const [segment, ...rest] = segments;
  const join = (name: string) => (dir === "/" ? `/${name}` : `${dir}/${name}`);
  if (segment === "**") {
    await walk(dir, rest, out); // zero directories
    for (const entry of await list(dir)) {
      if (entry.isDirectory && !entry.name.startsWith(".")) {
        await walk(join(entry.name), segments, out);
      }
    }
    return;
  }
  const re = segmentRegExp(segment);
  for (const entry of await list(dir)) {
    if (!re.test(entry.name)) continue;
    if (rest.length === 0) {
      if (entry.isFile || entry.isSymlink) out.push(join(entry.name));
    } else if (entry.isDirectory || entry.isSymlink) {
      await walk(join(entry.name), rest, out);
    }
  }
}

async function list(dir: string): Promise<Deno.DirEntry[]> {
  try {
    return await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.NotADirectory
    ) return [];
    throw error;
  }
}

function segmentRegExp(segment: string): RegExp {
  let re = segment.startsWith(".") ? "" : "(?!\\.)";
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "[") {
      const close = segment.indexOf("]", i + 1);
      if (close < 0) re += "\\[";
      else {
        const body = segment.slice(i + 1, close).replace(/\\/g, "\\\\");
        re += `[${body.startsWith("!") ? "^" + body.slice(1) : body}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
