import assert from "node:assert/strict";
import { commitArtifact } from "../../../runner/cache/commit_artifact.ts";
import { lazyFileHasher } from "../../../runner/cache/digest.ts";
import {
  createManifest,
  loadManifest,
} from "../../../runner/cache/manifest.ts";
import { StatCache } from "../../../runner/cache/stat_cache.ts";
import { Store } from "../../../runner/cache/store.ts";
import { removeTree } from "../../../runner/cache/tree.ts";

async function staged(files: Record<string, string>) {
  const cache = await Deno.makeTempDir();
  const staging = `${cache}/staging/x`;
  for (const [name, text] of Object.entries(files)) {
    const path = `${staging}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
  const options = {
    store: new Store(cache),
    statCache: StatCache.open(`${cache}/stat.json`),
    hasher: lazyFileHasher(),
  };
  return { cache, staging, options };
}

Deno.test("commitArtifact() stores a hard-linked file as a copy and leaves the other name alone", async () => {
  const { cache, staging, options } = await staged({ "a.txt": "own" });
  const outside = `${cache}/user-data.txt`;
  await Deno.writeTextFile(outside, "someone else's");
  await Deno.chmod(outside, 0o644);
  await Deno.link(outside, `${staging}/linked.txt`);
  try {
    const { manifest, files, bytes } = await commitArtifact(staging, options);
    assert.deepEqual(manifest.files.map((f) => f.path), [
      "a.txt",
      "linked.txt",
    ]);
    assert.equal(files, 2);
    assert.equal(bytes, 3 + 14);
    const info = await Deno.stat(outside);
    assert.equal(info.mode! & 0o777, 0o644, "the other name stays writable");
    assert.equal(info.nlink, 1, "the store holds its own inode");
    await Deno.writeTextFile(outside, "changed later");
    const linked = manifest.files.find((f) => f.path === "linked.txt")!;
    assert.equal(
      await Deno.readTextFile(options.store.objectPath(linked.digest)),
      "someone else's",
    );
  } finally {
    await removeTree(cache);
  }
});

Deno.test("commitArtifact() refuses an output over its file or byte limit", async () => {
  const files = Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [`f${i}.txt`, "0123456789"]),
  );
  for (
    const [limit, message] of [
      [{ maxFiles: 10 }, /holds more than 10 files/],
      [{ maxBytes: 100 }, /its 120 bytes exceed the limit of 100/],
    ] as const
  ) {
    const { cache, staging, options } = await staged(files);
    try {
      await assert.rejects(
        commitArtifact(staging, { ...options, ...limit }),
        message,
      );
    } finally {
      await removeTree(cache);
    }
  }
});

Deno.test("createManifest() and loadManifest() refuse paths that would leave the artifact", async () => {
  const digest = "a".repeat(64);
  for (const path of ["../x", "/etc/passwd", "a//b", "a/./b", "", "a\u0000b"]) {
    assert.throws(
      () => createManifest([{ path, digest, size: 1 }]),
      /Cannot build a manifest with the path/,
      JSON.stringify(path),
    );
  }
  assert.throws(
    () => createManifest([{ path: "x", digest, size: 1, external: "rel" }]),
    /the external of "x" is not an absolute path/,
  );
  // A planted (or damaged) manifest object in the store is not a manifest.
  const cache = await Deno.makeTempDir();
  try {
    const store = new Store(cache);
    const planted = await store.putBytes(JSON.stringify({
      version: 1,
      dirs: [],
      files: [{ path: "../../../../tmp/escaped", digest, size: 1 }],
    }));
    assert.equal(await loadManifest(store, planted), undefined);
  } finally {
    await removeTree(cache);
  }
});
