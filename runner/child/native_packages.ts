/**
 * Where the native addon of an npm package lives in node_modules: the
 * folders a stage that declares it may load code from (`--allow-ffi`).
 *
 * @module
 */

/** Folders of the named npm packages in node_modules (the `--allow-ffi` paths). */
export function nativePackageDirs(
  root: string,
  packages: readonly string[],
): string[] {
  if (packages.length === 0) return [];
  let entries: string[] = [];
  try {
    entries = [...Deno.readDirSync(root)].map((e) => e.name);
  } catch { /* no node_modules: nothing to allow */ }
  return packages.flatMap((name) => {
    const prefix = `${name.replace("/", "+")}@`;
    return entries.filter((entry) => entry.startsWith(prefix)).map((entry) =>
      `${root}/${entry}`
    );
  });
}
