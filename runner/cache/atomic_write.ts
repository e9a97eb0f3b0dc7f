/**
 * Atomic file replacement: write a temporary sibling, then rename it over the
 * target, so readers see the old content or the new, never a torn file.
 *
 * @module
 */

/** Writes `data` to `path` atomically, creating parent directories. */
export async function atomicWrite(
  path: string,
  data: string | Uint8Array,
): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  await Deno.mkdir(dir, { recursive: true });
  const temp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(temp, data);
    else await Deno.writeFile(temp, data);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
