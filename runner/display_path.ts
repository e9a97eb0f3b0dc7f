/**
 * Paths as messages show them: relative to the working directory when inside
 * it, absolute otherwise.
 *
 * @module
 */

/** `path` relative to the current directory when it lies below it. */
export function displayPath(path: string): string {
  const cwd = Deno.cwd();
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}
