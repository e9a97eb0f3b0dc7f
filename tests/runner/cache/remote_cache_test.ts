/**
 * The remote cache client against a real WebDAV server (Debian's nginx on
 * 127.0.0.1); skipped, with the reason printed, where nginx is missing.
 */
import assert from "node:assert/strict";
import { cacheKey } from "../../../runner/cache/cache_key.ts";
import { pullRun } from "../../../runner/cache/pull_run.ts";
import {
  RemoteCache,
  RemoteCacheError,
} from "../../../runner/cache/remote_cache.ts";
import { Store } from "../../../runner/cache/store.ts";
import {
  startWebdavServer,
  webdavUnavailable,
} from "../../testdata/webdav_server.ts";

const unavailable = await webdavUnavailable();
if (unavailable) {
  console.log(`  skipping the remote cache tests: ${unavailable}`);
}

/** Temporary folders the current test made. */
const made: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "remote-cache-test-" });
  made.push(dir);
  return dir;
}

function remoteTest(
  name: string,
  fn: (server: { url: string; dataDir: string }) => Promise<void>,
  token?: string,
) {
  Deno.test({
    name,
    ignore: unavailable !== undefined,
    async fn() {
      const server = await startWebdavServer({ token });
      if (typeof server === "string") throw new Error(server);
      try {
        await fn(server);
      } finally {
        await server.remove();
        for (const dir of made.splice(0)) {
          await new Deno.Command("chmod", { args: ["-R", "u+w", dir] })
            .output();
          await Deno.remove(dir, { recursive: true });
        }
      }
    },
  });
}

async function storeWith(text: string) {
  const dir = await tempDir();
  const store = new Store(dir);
  return { dir, store, digest: await store.putBytes(text) };
}

remoteTest(
  "RemoteCache pushes and pulls objects and records over WebDAV, and skips an object the server has",
  async (server) => {
    const remote = new RemoteCache({ url: server.url });
    const a = await storeWith("x".repeat(300_000));
    assert.equal(await remote.hasObject(a.digest), false);
    await remote.pushObject(a.digest, a.store.objectPath(a.digest));
    assert.equal(await remote.hasObject(a.digest), true);
    const served = `${server.dataDir}/cache/cas/${a.digest}`;
    const before = (await Deno.stat(served)).mtime;
    await new Promise((r) => setTimeout(r, 1_100));
    await remote.pushObject(a.digest, a.store.objectPath(a.digest));
    assert.deepEqual((await Deno.stat(served)).mtime, before, "not sent again");
    const b = new Store(await tempDir());
    await remote.pullObject(b, a.digest);
    assert.deepEqual(await b.read(a.digest), await a.store.read(a.digest));
    await remote.pushRecord("c".repeat(64), JSON.stringify({ hello: 1 }));
    assert.deepEqual(await remote.pullRecord("c".repeat(64)), { hello: 1 });
    assert.equal(await remote.pullRecord("d".repeat(64)), undefined);
  },
);

remoteTest(
  "RemoteCache.pullObject() refuses a tampered or a truncated object, naming its digest, and stores nothing",
  async (server) => {
    const remote = new RemoteCache({ url: server.url });
    const a = await storeWith("the real content\n".repeat(1000));
    await remote.pushObject(a.digest, a.store.objectPath(a.digest));
    const served = `${server.dataDir}/cache/cas/${a.digest}`;
    for (
      const damage of [
        () => Deno.writeTextFile(served, "the fake content\n".repeat(1000)),
        () => Deno.truncate(served, 100),
      ]
    ) {
      await damage();
      const b = new Store(await tempDir());
      const error = await remote.pullObject(b, a.digest).catch((e) => e);
      assert.ok(error instanceof RemoteCacheError, String(error));
      assert.equal(error.failure, "corrupt");
      assert.equal(error.digest, a.digest);
      assert.match(error.message, new RegExp(`object ${a.digest}`));
      assert.equal(b.has(a.digest), false);
      const left = [...Deno.readDirSync(`${b.root}/${a.digest.slice(0, 2)}`)];
      assert.deepEqual(left, [], "no temporary file is left");
    }
  },
);

remoteTest(
  "RemoteCache sends its bearer token, and a refusal names the variable to set but never the token",
  async (server) => {
    const a = await storeWith("secret things");
    const good = new RemoteCache({
      url: server.url,
      token: "s3cret-token",
      tokenEnv: "CACHE_TOKEN",
    });
    await good.pushObject(a.digest, a.store.objectPath(a.digest));
    assert.equal(await good.hasObject(a.digest), true);
    const bad = new RemoteCache({
      url: server.url,
      token: "wrong-token",
      tokenEnv: "CACHE_TOKEN",
    });
    const error = await bad.hasObject(a.digest).catch((e) => e);
    assert.ok(error instanceof RemoteCacheError);
    assert.equal(error.failure, "refused");
    assert.match(error.message, /401/);
    assert.match(error.hint ?? "", /set CACHE_TOKEN/);
    assert.doesNotMatch(
      `${error.message} ${error.hint}`,
      /token"|wrong-token|s3cret/,
    );
  },
  "s3cret-token",
);

remoteTest(
  "RemoteCache reports a server that is gone as unreachable",
  async (server) => {
    const remote = new RemoteCache({ url: server.url.replace(/:\d+/, ":1") });
    const error = await remote.hasRecord("e".repeat(64)).catch((e) => e);
    assert.ok(error instanceof RemoteCacheError);
    assert.equal(error.failure, "unreachable");
    assert.match(error.message, /Cannot look up ac\/e+ on the remote cache/);
  },
);

remoteTest(
  "pullRun() refuses a record whose facets do not hash to the key it is filed under",
  async (server) => {
    const remote = new RemoteCache({ url: server.url });
    const facets = {
      stage: "s",
      code: {},
      npm: {},
      params: {},
      inputs: {},
      data: {},
      facts: {},
      seed: 1,
      runtime: {},
    };
    const key = await cacheKey(facets);
    const a = await storeWith("{}");
    const record = {
      version: 1,
      key,
      artifact: a.digest,
      content: a.digest,
      facets: { ...facets, seed: 2 },
      uses: "./s.ts",
      runId: "r",
      startedAt: new Date().toISOString(),
      durationMs: 1,
      summary: null,
    };
    await remote.pushRecord(key, JSON.stringify(record));
    const local = await tempDir();
    const error = await pullRun(remote, key, {
      cacheDir: local,
      store: new Store(local),
    }).catch((e) => e);
    assert.ok(error instanceof RemoteCacheError);
    assert.match(error.message, /its facets do not hash to its key/);
    assert.equal(
      await pullRun(remote, "f".repeat(64), {
        cacheDir: local,
        store: new Store(local),
      }),
      undefined,
    );
  },
);
