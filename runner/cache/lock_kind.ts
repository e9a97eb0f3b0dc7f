/**
 * Which stage locks a cache needs: flock(2) where the cache is on a local
 * file system, lease files where it is on a network file system that other
 * hosts share (flock there is emulated, host-local or missing, depending on
 * the file system and its mount options).
 *
 * @module
 */
import type { LockKind } from "./stage_lock.ts";

/** File system types that hosts share. */
const NETWORK_FILE_SYSTEMS = new Set([
  "nfs",
  "nfs4",
  "cifs",
  "smb3",
  "smbfs",
  "lustre",
  "gpfs",
  "beegfs",
  "ceph",
  "glusterfs",
  "9p",
  "afs",
  "ocfs2",
  "gfs2",
  "orangefs",
  "pvfs2",
  "wekafs",
]);

/** The type of the file system that holds `path` (from /proc/self/mountinfo), when known. */
export function fileSystemType(path: string): string | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/self/mountinfo");
  } catch {
    return undefined;
  }
  let real = path;
  for (let probe = path; probe !== ""; probe = probe.replace(/\/[^/]*$/, "")) {
    try {
      real = Deno.realPathSync(probe) + path.slice(probe.length);
      break;
    } catch { /* not created yet: look at its parent */ }
  }
  let best: { mount: string; type: string } | undefined;
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!right) continue;
    const mount = left.split(" ")[4]?.replace(
      /\\([0-7]{3})/g,
      (_, octal) => String.fromCharCode(parseInt(octal, 8)),
    );
    const type = right.split(" ")[0];
    if (mount === undefined) continue;
    const inside = mount === "/" || real === mount ||
      real.startsWith(`${mount}/`);
    if (inside && (!best || mount.length >= best.mount.length)) {
      best = { mount, type };
    }
  }
  return best?.type;
}

/**
 * The lock kind for a cache at `cacheDir`: `configured` unless it is
 * `"auto"`, else lease files on a network file system (or a FUSE one, which
 * may be) and flock elsewhere.
 */
export function lockKindFor(
  cacheDir: string,
  configured: LockKind | "auto",
): LockKind {
  if (configured !== "auto") return configured;
  const type = fileSystemType(cacheDir);
  if (type === undefined) return "flock";
  return NETWORK_FILE_SYSTEMS.has(type) || type.startsWith("fuse")
    ? "lease"
    : "flock";
}
