/**
 * Temporary directories for tests, removed when the test module's process
 * ends (the `unload` event), so test runs leave nothing behind in /tmp.
 *
 * @module
 */

/** A new temporary directory, removed at exit. Nested `dir` paths are not tracked separately. */
export async function tempDir(prefix = "test_"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone.
    }
  });
  return dir;
}

/** A path for a new file inside a fresh temporary directory, removed at exit. */
export async function tempFile(name = "file"): Promise<string> {
  return `${await tempDir()}/${name}`;
}
