/**
 * Turns a stage's staging directory into a stored artifact: every file moves
 * into the object store, references are hashed in place, and the manifest is
 * stored last. The staging directory is consumed.
 *
 * @module
 */
import { HintedError } from "../../lib/hinted_error.ts";
import type { LazyFileHasher } from "./digest.ts";
import type { Digest } from "./digest.ts";
import { CONTENT_NAMESPACE } from "./hash_tree.ts";
import {
  contentManifest,
  createManifest,
  type Manifest,
  type ManifestFile,
  storeManifest,
} from "./manifest.ts";
import { fileIdentity, type StatCache } from "./stat_cache.ts";
import type { Store } from "./store.ts";

/** A file outside the staging directory that the artifact includes by reference. */
export interface ArtifactReference {
  /** Absolute path of the file. */
  absolutePath: string;
  /** Its path inside the artifact. */
  asPath: string;
}

/** Thrown when a stage's output cannot become an artifact. */
export class ArtifactError extends HintedError {
  override name = "ArtifactError";
  constructor(message: string, hint?: string) {
    super(message, { hint });
  }
}

/** Options of {@linkcode commitArtifact}. */
export interface CommitArtifactOptions {
  /** The object store. */
  store: Store;
  /** Digests of referenced files are cached here. */
  statCache: StatCache;
  /** The run's file hasher. */
  hasher: LazyFileHasher;
  /** Files to include by reference. @default [] */
  references?: readonly ArtifactReference[];
  /** Most files the output may hold. @default no limit */
  maxFiles?: number;
  /** Most bytes the output's own files may hold. @default no limit */
  maxBytes?: number;
}

/** A committed artifact. */
export interface CommittedArtifact {
  /** Its manifest digest. */
  digest: Digest;
  /** Its content digest (without the run-info file). */
  content: Digest;
  /** Its manifest. */
  manifest: Manifest;
  /** Files the stage wrote (references not counted). */
  files: number;
  /** Bytes of those files. */
  bytes: number;
}

/**
 * Moves every file under `stagingDir` into the store and stores the manifest.
 *
 * @throws {ArtifactError} for a symbolic link or special file in the output,
 * or a reference that is missing or collides with a written file.
 */
export async function commitArtifact(
  stagingDir: string,
  options: CommitArtifactOptions,
): Promise<CommittedArtifact> {
  const files: ManifestFile[] = [];
  const emptyDirs: string[] = [];
  const staged: { path: string; full: string }[] = [];
  let bytes = 0;
  const walk = (absolute: string, relative: string): number => {
    let count = 0;
    for (const entry of [...Deno.readDirSync(absolute)].sort(byName)) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      const full = `${absolute}/${entry.name}`;
      if (entry.isSymlink) {
        throw new ArtifactError(
          `Cannot store output "${path}": it is a symbolic link`,
          "write regular files into ctx.outDir, or add an outside file with ctx.reference()",
        );
      }
      if (entry.isDirectory) {
        const inner = walk(full, path);
        if (inner === 0) emptyDirs.push(path);
        count += inner + 1;
      } else if (entry.isFile) {
        bytes += ownCopy(full).size;
        staged.push({ path, full });
        count++;
        if (staged.length > (options.maxFiles ?? Infinity)) {
          throw new ArtifactError(
            `Cannot store the output: it holds more than ${options.maxFiles} files`,
            "write fewer, larger files (a TFRecord or tar shard), or raise the stage's resources.max_output_files",
          );
        }
      } else {
        throw new ArtifactError(
          `Cannot store output "${path}": it is not a regular file`,
        );
      }
    }
    return count;
  };
  walk(stagingDir, "");
  if (bytes > (options.maxBytes ?? Infinity)) {
    throw new ArtifactError(
      `Cannot store the output: its ${bytes} bytes exceed the limit of ${options.maxBytes}`,
      "raise the stage's resources.max_output_bytes",
    );
  }
  for (const { path, full } of staged) {
    const { digest, sizeBytes } = await options.store.putFile(full);
    files.push({ path, digest, size: sizeBytes });
  }
  for (const reference of options.references ?? []) {
    files.push(await referenceEntry(reference, options));
  }
  let manifest: Manifest;
  try {
    manifest = createManifest(files, emptyDirs);
  } catch (error) {
    throw new ArtifactError(
      `Cannot store the output: ${(error as Error).message}`,
      "a ctx.reference() name collides with a file the stage wrote; pick another name",
    );
  }
  return {
    digest: await storeManifest(options.store, manifest),
    content: await storeManifest(options.store, contentManifest(manifest)),
    manifest,
    files: staged.length,
    bytes,
  };
}

/**
 * Makes sure the staged file at `path` is the output's own inode: a hard
 * link to a file elsewhere (an input, a data file) is replaced by a copy, so
 * moving it into the store never makes someone else's file read-only or
 * ties the store to it.
 */
function ownCopy(path: string): Deno.FileInfo {
  const info = Deno.lstatSync(path);
  if ((info.nlink ?? 1) <= 1) return info;
  const copy = `${path}.own-copy`;
  Deno.copyFileSync(path, copy);
  Deno.renameSync(copy, path);
  return Deno.lstatSync(path);
}

async function referenceEntry(
  reference: ArtifactReference,
  options: CommitArtifactOptions,
): Promise<ManifestFile> {
  // Follow links (a reference to a file that is itself a reference of an
  // input artifact): the manifest names the file that holds the bytes.
  let path: string;
  let info: Deno.FileInfo;
  try {
    path = Deno.realPathSync(reference.absolutePath);
    info = Deno.statSync(path);
  } catch {
    throw new ArtifactError(
      `Cannot reference "${reference.absolutePath}": it does not exist`,
    );
  }
  if (!info.isFile) {
    throw new ArtifactError(
      `Cannot reference "${reference.absolutePath}": it is not a regular file`,
      "reference each file of a directory separately",
    );
  }
  const identity = fileIdentity(info);
  let entry = options.statCache.get<{ digest: string; size: number }>(
    CONTENT_NAMESPACE,
    path,
    identity,
  );
  if (entry === undefined) {
    const { digest, sizeBytes } = (await options.hasher()).hash(path);
    entry = { digest, size: sizeBytes };
    options.statCache.set(CONTENT_NAMESPACE, path, identity, entry);
  }
  return {
    path: reference.asPath,
    digest: entry.digest,
    size: entry.size,
    external: path,
  };
}

function byName(a: Deno.DirEntry, b: Deno.DirEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
