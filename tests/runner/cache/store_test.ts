import assert from "node:assert/strict";
import { commitArtifact } from "../../../runner/cache/commit_artifact.ts";
import { digestBytes, lazyFileHasher } from "../../../runner/cache/digest.ts";
import { canonicalJson } from "../../../runner/cache/canonical_json.ts";
import {
  createManifest,
  manifestJson,
} from "../../../runner/cache/manifest.ts";
import { StatCache } from "../../../runner/cache/stat_cache.ts";
import { Store } from "../../../runner/cache/store.ts";
import {
  materializeTree,
  removeTree,
  verifyTree,
} from "../../../runner/cache/tree.ts";

Deno.test("Store stores identical files once and names them by their SHA-256", async () => {
  const cache = await Deno.makeTempDir();
  const store = new Store(cache);
  const a = await store.putBytes("same bytes");
  const b = await store.putBytes("same bytes");
  assert.deepStrictEqual(a, b);
  assert.deepStrictEqual(a, await digestBytes("same bytes"));
  assert.deepStrictEqual(
    new TextDecoder().decode(await store.read(a)),
    "same bytes",
  );
  assert.equal(await digestBytes(await Deno.readFile(store.objectPath(a))), a);
  await removeTree(cache);
});

Deno.test("commitArtifact() moves a directory into the store; materializeTree() rebuilds it read-only", async () => {
  const cache = await Deno.makeTempDir();
  const staging = `${cache}/staging/x`;
  await Deno.mkdir(`${staging}/sub/empty`, { recursive: true });
  await Deno.writeTextFile(`${staging}/a.txt`, "alpha");
  await Deno.writeTextFile(`${staging}/sub/b.txt`, "beta");
  await Deno.writeTextFile(`${staging}/sub/c.txt`, "alpha");
  const store = new Store(cache);
  const statCache = StatCache.open(`${cache}/stat.json`);
  const hasher = lazyFileHasher();
  const { digest, manifest, content } = await commitArtifact(staging, {
    store,
    statCache,
    hasher,
  });
  assert.deepStrictEqual(manifest.files.map((f) => f.path), [
    "a.txt",
    "sub/b.txt",
    "sub/c.txt",
  ]);
  assert.deepStrictEqual(manifest.dirs, ["sub/empty"]);
  assert.deepStrictEqual(manifest.files[0].digest, manifest.files[2].digest); // stored once
  assert.deepStrictEqual(content, digest); // no run-info file here, so content and artifact agree
  const tree = await materializeTree(cache, store, digest, manifest);
  assert.deepStrictEqual(await Deno.readTextFile(`${tree}/sub/b.txt`), "beta");
  const listing = (dir: string): string[] =>
    [...Deno.readDirSync(dir)].flatMap((e) =>
      e.isDirectory
        ? [
          `${e.name}/`,
          ...listing(`${dir}/${e.name}`).map((n) => `${e.name}/${n}`),
        ]
        : [e.name]
    ).sort();
  assert.deepStrictEqual(listing(tree), [
    "a.txt",
    "sub/",
    "sub/b.txt",
    "sub/c.txt",
    "sub/empty/",
  ]);
  assert.deepStrictEqual(
    (await Deno.stat(`${tree}/a.txt`)).mode! & 0o777,
    0o444,
  );
  assert.deepStrictEqual(
    await verifyTree(tree, manifest, statCache, hasher),
    [],
  );
  // Damage one file through the tree: verification names it.
  await Deno.chmod(`${tree}/sub/b.txt`, 0o644);
  await Deno.writeTextFile(`${tree}/sub/b.txt`, "gamma");
  assert.deepStrictEqual(await verifyTree(tree, manifest, statCache, hasher), [{
    path: "sub/b.txt",
    problem: "changed",
  }]);
  await removeTree(cache);
});

Deno.test("commitArtifact() refuses a symbolic link in a stage's output", async () => {
  const cache = await Deno.makeTempDir();
  const staging = `${cache}/staging/x`;
  await Deno.mkdir(staging, { recursive: true });
  await Deno.symlink("/etc/hostname", `${staging}/link`);
  const store = new Store(cache);
  let message = "";
  try {
    await commitArtifact(staging, {
      store,
      statCache: StatCache.open(`${cache}/s.json`),
      hasher: lazyFileHasher(),
    });
  } catch (error) {
    message = (error as Error).message;
  }
  assert.deepStrictEqual(
    message,
    'Cannot store output "link": it is a symbolic link',
  );
  await removeTree(cache);
});

Deno.test("manifestJson() writes exactly the canonical JSON of a manifest", () => {
  const manifest = createManifest([
    { path: 'z/ü "quoted".txt', digest: "a".repeat(64), size: 3 },
    {
      path: "a.tfrec",
      digest: "b".repeat(64),
      size: 2 ** 40,
      external: "/data/a.tfrec",
    },
  ], ["empty"]);
  assert.deepStrictEqual(manifestJson(manifest), canonicalJson(manifest));
});
