/**
 * A local miss answered by the remote cache: the run record of a key, then
 * its manifest and every object the store lacks, each checked against its
 * digest as it downloads. The record is checked too: its facets must hash
 * to the key it was filed under, and its content digest must follow from
 * its manifest. It is written into the local cache last, as a local run
 * writes it.
 *
 * @module
 */
import { cacheKey, type Facets } from "./cache_key.ts";
import type { Digest } from "./digest.ts";
import { contentManifest, loadManifest, storeManifest } from "./manifest.ts";
import {
  forEachLimited,
  type RemoteCache,
  RemoteCacheError,
} from "./remote_cache.ts";
import { type RunRecord, writeRunRecord } from "./run_record.ts";
import type { Store } from "./store.ts";

const DIGEST = /^[0-9a-f]{64}$/;

/**
 * Pulls the run of `key` into the local cache; undefined when the remote
 * has no record of it.
 *
 * @throws {RemoteCacheError} when the remote cannot be reached, refuses,
 * or holds a corrupt record or object (naming its digest).
 */
export async function pullRun(
  remote: RemoteCache,
  key: Digest,
  local: { cacheDir: string; store: Store },
): Promise<RunRecord | undefined> {
  const raw = await remote.pullRecord(key);
  if (raw === undefined) return undefined;
  const record = await acceptRecord(raw, key, remote);
  const { store } = local;
  await remote.pullObject(store, record.artifact);
  const manifest = await loadManifest(store, record.artifact);
  if (!manifest) {
    await store.remove(record.artifact);
    throw invalid(
      remote,
      key,
      `its artifact ${record.artifact} is not a manifest`,
    );
  }
  const content = await storeManifest(store, contentManifest(manifest));
  if (content !== record.content) {
    throw invalid(
      remote,
      key,
      `its content digest ${record.content} is not that of its manifest (${content})`,
    );
  }
  const missing = [
    ...new Set(
      manifest.files.filter((f) => f.external === undefined).map((f) =>
        f.digest
      ),
    ),
  ].filter((digest) => !store.has(digest));
  await forEachLimited(
    missing,
    remote.concurrency,
    (digest) => remote.pullObject(store, digest),
  );
  const pulled: RunRecord = {
    ...record,
    pulled: { from: remote.displayUrl, at: new Date().toISOString() },
  };
  await writeRunRecord(local.cacheDir, pulled);
  return pulled;
}

/** Takes a record from the remote only when it is one, filed under its own key. */
async function acceptRecord(
  raw: unknown,
  key: Digest,
  remote: RemoteCache,
): Promise<RunRecord> {
  const record = raw as Partial<RunRecord> | null;
  if (
    typeof record !== "object" || record === null || record.version !== 1 ||
    record.key !== key || !DIGEST.test(String(record.artifact)) ||
    !DIGEST.test(String(record.content)) ||
    typeof record.facets !== "object" || record.facets === null ||
    typeof record.uses !== "string" || typeof record.runId !== "string" ||
    typeof record.startedAt !== "string" ||
    typeof record.durationMs !== "number"
  ) {
    throw invalid(remote, key, "it is not a run record of this key");
  }
  if ((await cacheKey(record.facets as Facets)) !== key) {
    throw invalid(remote, key, "its facets do not hash to its key");
  }
  const { pulled: _, ...clean } = record as RunRecord;
  return clean;
}

function invalid(
  remote: RemoteCache,
  key: Digest,
  why: string,
): RemoteCacheError {
  return new RemoteCacheError(
    `Cannot use the record of ${key} from the remote cache ${remote.displayUrl}: ${why}`,
    "corrupt",
    {
      hint:
        "the record on the server is damaged or was written by something else; the stage runs here and its push replaces it",
    },
  );
}
