/**
 * Materialised artifacts: `trees/<manifest digest>/` is a read-only directory
 * of hard links into the object store (copies where linking fails), with
 * symbolic links for referenced files. Trees are immutable and shared, so
 * concurrent runs can read them safely; `outputs/<stage>` points at one.
 *
 * @module
 */
import type { Digest, LazyFileHasher } from "./digest.ts";
import { CONTENT_NAMESPACE } from "./hash_tree.ts";
import type { Manifest } from "./manifest.ts";
import { fileIdentity, type StatCache } from "./stat_cache.ts";
import type { Store } from "./store.ts";

/** The directory of the tree of artifact `digest`. */
export function treePath(cacheDir: string, digest: Digest): string {
  return `${cacheDir}/trees/${digest}`;
}

/** Builds the tree of an artifact unless it exists; returns its path. */
export async function materializeTree(
  cacheDir: string,
  store: Store,
  digest: Digest,
  manifest: Manifest,
): Promise<string> {
  const target = treePath(cacheDir, digest);
  if (await exists(target)) return target;
  const temp = `${cacheDir}/trees/.tmp-${digest.slice(0, 16)}-${Deno.pid}-${
    crypto.randomUUID().slice(0, 8)
  }`;
  await Deno.mkdir(temp, { recursive: true });
  const made = new Set<string>();
  const ensureParent = async (path: string) => {
    const slash = path.lastIndexOf("/");
    const parent = slash < 0 ? "" : path.slice(0, slash);
    if (parent && !made.has(parent)) {
      await Deno.mkdir(`${temp}/${parent}`, { recursive: true });
      made.add(parent);
    }
  };
  for (const dir of manifest.dirs) {
    await Deno.mkdir(`${temp}/${dir}`, { recursive: true });
  }
  for (const file of manifest.files) {
    await ensureParent(file.path);
    const destination = `${temp}/${file.path}`;
    if (file.external !== undefined) {
      await Deno.symlink(file.external, destination);
      continue;
    }
    const source = store.objectPath(file.digest);
    try {
      await Deno.link(source, destination);
    } catch {
      await Deno.copyFile(source, destination);
      await Deno.chmod(destination, 0o444);
    }
  }
  await setDirectoriesReadOnly(temp);
  try {
    await Deno.rename(temp, target);
  } catch (error) {
    // Another run materialised the same tree first: keep theirs.
    await removeTree(temp);
    if (!(await exists(target))) throw error;
  }
  return target;
}

/** A file of a tree whose content no longer matches the manifest. */
export interface DamagedFile {
  /** Path inside the artifact. */
  path: string;
  /** What is wrong with it. */
  problem: "missing" | "changed";
}

/**
 * Checks every file of a materialised tree against its manifest, re-hashing
 * only files whose identity changed since they were last verified.
 */
export async function verifyTree(
  tree: string,
  manifest: Manifest,
  statCache: StatCache,
  hasher: LazyFileHasher,
): Promise<DamagedFile[]> {
  const damaged: DamagedFile[] = [];
  for (const file of manifest.files) {
    const path = `${tree}/${file.path}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(path);
    } catch {
      damaged.push({ path: file.path, problem: "missing" });
      continue;
    }
    const identity = fileIdentity(info);
    const key = file.external ?? path;
    const cached = statCache.get<{ digest: string }>(
      CONTENT_NAMESPACE,
      key,
      identity,
    );
    if (cached?.digest === file.digest) continue;
    const { digest, sizeBytes } = (await hasher()).hash(path);
    if (digest !== file.digest) {
      damaged.push({ path: file.path, problem: "changed" });
      continue;
    }
    statCache.set(CONTENT_NAMESPACE, key, identity, {
      digest,
      size: sizeBytes,
    });
  }
  return damaged;
}

/** Removes a tree (or any read-only directory), making it writable first. */
export async function removeTree(path: string): Promise<void> {
  try {
    await setWritable(path);
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function setDirectoriesReadOnly(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) await setDirectoriesReadOnly(`${dir}/${entry.name}`);
  }
  await Deno.chmod(dir, 0o555);
}

async function setWritable(dir: string): Promise<void> {
  const info = await Deno.lstat(dir);
  if (!info.isDirectory) return;
  await Deno.chmod(dir, 0o755);
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) await setWritable(`${dir}/${entry.name}`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
