/**
 * Where the native code a stage declares lives: the folder of an npm
 * package's addon in node_modules, or a system library named by its
 * absolute path (such as Debian's `/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0`).
 * These become the stage's `--allow-ffi` paths.
 *
 * @module
 */

/** Folders a system library named by absolute path may live in. */
export const SYSTEM_LIBRARY_DIRS = ["/usr/lib", "/lib"] as const;

/**
 * `path` when it names an existing file under /usr/lib or /lib, written
 * plainly (absolute, no `.` or `..` segment, no empty segment); otherwise
 * undefined. A library that is not installed is not granted (the stage's
 * code must work without it).
 */
export function systemLibraryPath(path: string): string | undefined {
  const segments = path.split("/").slice(1);
  const plain = path.startsWith("/") &&
    segments.every((s) => s !== "" && s !== "." && s !== "..") &&
    SYSTEM_LIBRARY_DIRS.some((dir) => path.startsWith(`${dir}/`));
  if (!plain) return undefined;
  try {
    return Deno.statSync(path).isFile ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `--allow-ffi` paths of what a stage declares: the folders of the
 * named npm packages in node_modules (`root`), and each absolute system
 * library path that {@linkcode systemLibraryPath} accepts.
 */
export function nativePackageDirs(
  root: string,
  packages: readonly string[],
): string[] {
  if (packages.length === 0) return [];
  let entries: string[] | undefined;
  const packageEntries = () => {
    if (entries === undefined) {
      try {
        entries = [...Deno.readDirSync(root)].map((e) => e.name);
      } catch {
        entries = []; // no node_modules: nothing to allow
      }
    }
    return entries;
  };
  return packages.flatMap((name) => {
    if (name.startsWith("/")) {
      const path = systemLibraryPath(name);
      return path === undefined ? [] : [path];
    }
    const prefix = `${name.replace("/", "+")}@`;
    return packageEntries().filter((entry) => entry.startsWith(prefix)).map((
      entry,
    ) => `${root}/${entry}`);
  });
}
