/**
 * A finished run sent to the remote cache: every object of its artifact the
 * server lacks (files the artifact only references stay where they are),
 * then its manifest, and its run record last, so that a reader who finds
 * the record finds everything it names.
 *
 * @module
 */
import type { Digest } from "./digest.ts";
import { loadManifest } from "./manifest.ts";
import { forEachLimited, type RemoteCache } from "./remote_cache.ts";
import type { RunRecord } from "./run_record.ts";
import type { Store } from "./store.ts";
import { ArtifactError } from "./commit_artifact.ts";

/**
 * Pushes `record` and what it names.
 *
 * @param replace digests to upload even where the server has them (copies found corrupt)
 * @throws {RemoteCacheError} when the remote cannot be reached or refuses
 * @throws {ArtifactError} when the artifact is no longer whole in the local store
 */
export async function pushRun(
  remote: RemoteCache,
  record: RunRecord,
  store: Store,
  replace: ReadonlySet<Digest> = new Set(),
): Promise<void> {
  const manifest = await loadManifest(store, record.artifact);
  if (!manifest) {
    throw new ArtifactError(
      `Cannot push the run of ${record.key}: its manifest ${record.artifact} is not in the local store`,
      "run the stage again (deno task run), then push",
    );
  }
  const objects = [
    ...new Set(
      manifest.files.filter((f) => f.external === undefined).map((f) =>
        f.digest
      ),
    ),
  ];
  for (const digest of objects) {
    if (!store.has(digest)) {
      throw new ArtifactError(
        `Cannot push the run of ${record.key}: object ${digest} is not in the local store`,
        "run the stage again (deno task run --force <stage>), then push",
      );
    }
  }
  await forEachLimited(
    objects,
    remote.concurrency,
    (digest) =>
      remote.pushObject(digest, store.objectPath(digest), replace.has(digest)),
  );
  await remote.pushObject(
    record.artifact,
    store.objectPath(record.artifact),
    replace.has(record.artifact),
  );
  const { pulled: _, ...clean } = record;
  await remote.pushRecord(record.key, JSON.stringify(clean, null, 1));
}
