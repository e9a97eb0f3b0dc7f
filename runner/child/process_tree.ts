/**
 * A stage child's whole process tree, seen from /proc: how much memory it
 * holds (resident set, summed over the child and every descendant, however
 * deep), and the signal that ends it (its process group, which the sandbox
 * makes its own, and any descendant that left the group).
 *
 * @module
 */

const PAGE_BYTES = 4096;

/** The pid of `pid`'s parent, from /proc/<pid>/stat; undefined once it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}

/** `root` and every live descendant of it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      const pid = Number(entry.name);
      if (!Number.isInteger(pid)) continue;
      const parent = parentOf(pid);
      if (parent === undefined) continue;
      const list = children.get(parent);
      if (list) list.push(pid);
      else children.set(parent, [pid]);
    }
  } catch {
    return [root];
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Resident memory of `pids` together, in bytes (pages that are gone count 0). */
export function residentBytes(pids: readonly number[]): number {
  let pages = 0;
  for (const pid of pids) {
    try {
      pages += Number(
        Deno.readTextFileSync(`/proc/${pid}/statm`).split(" ")[1],
      );
    } catch { /* exited */ }
  }
  return pages * PAGE_BYTES;
}

/**
 * Sends `signal` to the process group led by `root` (the sandbox starts each
 * child as a group leader) and to every descendant of `root`.
 */
export function signalTree(root: number, signal: Deno.Signal): void {
  const pids = processTree(root);
  try {
    Deno.kill(-root, signal);
  } catch { /* no such group */ }
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch { /* already gone */ }
  }
}
