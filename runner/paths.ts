/**
 * Paths the whole runner shares: the project root, absolute-path
 * normalisation, and paths as messages show them.
 *
 * @module
 */

/** The project root: where deno.json, deno.lock and node_modules live. */
export const PROJECT_ROOT = new URL("..", import.meta.url).pathname.replace(
  /\/$/,
  "",
);

/** Collapses `.` and `..` segments of an absolute path. */
export function normalisePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** `path` made absolute against `base` (when relative) and normalised. */
export function resolvePath(base: string, path: string): string {
  return normalisePath(path.startsWith("/") ? path : `${base}/${path}`);
}

/** `path` relative to `root` when inside it, else `path` unchanged. */
export function relativeTo(root: string, path: string): string {
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/** True when `path` is `root` or lies below it (both normalised, absolute). */
export function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root === "/" ? "/" : `${root}/`);
}

/** `path` relative to the current directory when it lies below it. */
export function displayPath(path: string): string {
  return relativeTo(Deno.cwd(), path);
}
