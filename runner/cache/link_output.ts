/**
 * `outputs/<stage>`: a symbolic link to the stage's current tree in the
 * cache, swapped atomically when the stage's output changes.
 *
 * @module
 */
import { removeTree } from "./tree.ts";

/** Points `outputs/<stage>` at the artifact's tree (an atomic symlink swap). */
export async function linkOutput(
  outputsDir: string,
  stage: string,
  tree: string,
): Promise<void> {
  await Deno.mkdir(outputsDir, { recursive: true });
  const link = `${outputsDir}/${stage}`;
  const target = relativeLink(outputsDir, tree);
  try {
    if ((await Deno.readLink(link)) === target) return;
  } catch { /* missing or not a link */ }
  try {
    const info = await Deno.lstat(link);
    if (!info.isSymlink) await removeTree(link);
  } catch { /* missing */ }
  const temp = `${link}.tmp-${Deno.pid}`;
  await Deno.remove(temp).catch(() => {});
  await Deno.symlink(target, temp);
  await Deno.rename(temp, link);
}

function relativeLink(fromDir: string, to: string): string {
  const a = fromDir.split("/").filter(Boolean);
  const b = to.split("/").filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) {
    common++;
  }
  return [...Array(a.length - common).fill(".."), ...b.slice(common)].join("/");
}
