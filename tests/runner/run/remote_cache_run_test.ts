/**
 * Runs with a remote cache, against a real WebDAV server (Debian's nginx on
 * 127.0.0.1 and a free port); skipped, with the reason printed, where nginx
 * is missing.
 */
import assert from "node:assert/strict";
import {
  cli,
  makeToyProject,
  removeToy,
  runToy,
  states,
} from "../_toy_project.ts";
import { type RunReporter, SILENT_REPORTER } from "../../../mod.ts";
import {
  startWebdavServer,
  type WebdavServer,
  webdavUnavailable,
} from "../../testdata/webdav_server.ts";

const unavailable = await webdavUnavailable();
if (unavailable) {
  console.log(`  skipping the remote cache run tests: ${unavailable}`);
}
const TOKEN = "tok-7f3a9c1e-never-stored";

function pipelineWith(remote: string, catParams = "{}"): string {
  return `name: remote
remote: ${remote}
stages:
  gen:
    uses: ./gen.ts
    with: { count: 3 }
  cat:
    uses: ./cat.ts
    needs: [gen]
    with: ${catParams}
  tail:
    uses: ./cat.ts
    needs: { gen: cat }
`;
}

function remoteTest(
  name: string,
  fn: (server: WebdavServer, dir: string) => Promise<void>,
) {
  Deno.test({
    name,
    ignore: unavailable !== undefined,
    async fn() {
      const server = await startWebdavServer({ token: TOKEN });
      if (typeof server === "string") throw new Error(server);
      const dir = await makeToyProject("name: placeholder\nstages: {}\n");
      Deno.env.set("TOY_CACHE_TOKEN", TOKEN);
      try {
        await fn(server, dir);
      } finally {
        Deno.env.delete("TOY_CACHE_TOKEN");
        await server.remove();
        await removeToy(dir);
      }
    },
  });
}

/** `cli()` with the token in the environment, as a CI job has it. */
async function run(dir: string, ...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${Deno.cwd()}/main.ts`, ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", TOY_CACHE_TOKEN: TOKEN },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    out: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

/** The run record of `stage` in a cache. */
async function recordOf(
  cacheDir: string,
  stage: string,
): Promise<{ artifact: string }> {
  for await (const entry of Deno.readDir(`${cacheDir}/runs`)) {
    const record = JSON.parse(
      await Deno.readTextFile(`${cacheDir}/runs/${entry.name}`),
    );
    if (record.facets.stage === stage) return record;
  }
  throw new Error(`no record of ${stage}`);
}

function objectPath(dir: string, digest: string): string {
  return `${dir}/.cache/objects/${digest.slice(0, 2)}/${digest.slice(2)}`;
}

/** Every file under `dir` that holds `text`. */
async function filesHolding(dir: string, text: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      const full = `${path}/${entry.name}`;
      if (entry.isDirectory) await walk(full);
      else if (entry.isFile) {
        const bytes = await Deno.readFile(full);
        if (new TextDecoder().decode(bytes).includes(text)) found.push(full);
      }
    }
  };
  await walk(dir);
  return found;
}

remoteTest(
  "a run pushes what it ran; a run on an empty cache pulls every stage, runs none, and says so; the token is stored nowhere",
  async (server, dir) => {
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      pipelineWith(`{ url: ${server.url}, token_env: TOY_CACHE_TOKEN }`),
    );
    const first = await run(dir, "run");
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /3 ran, 0 cached/);
    const records = [...Deno.readDirSync(`${server.dataDir}/cache/ac`)];
    assert.equal(records.length, 3);

    const second = await run(dir, "run", "--cache", ".cache-b");
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /0 ran, 3 cached/);
    assert.equal(
      [...second.out.matchAll(/pulled from the remote cache/g)].length,
      3,
      second.out,
    );
    assert.equal(
      await Deno.readTextFile(`${dir}/outputs/tail/all.txt`),
      "#n0\n#n1\n#n2\n",
    );
    const status = await run(dir, "status", "--cache", ".cache-b");
    assert.match(
      status.out,
      /gen +cached, ran on \S+, pulled from http:\/\/127/,
    );
    assert.deepEqual(await filesHolding(dir, TOKEN), []);
  },
);

remoteTest(
  "a tampered object on the server is detected by its digest: the stage runs here, the rest still comes from the remote, and the push repairs the object",
  async (server, dir) => {
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      pipelineWith(`{ url: ${server.url}, token_env: TOY_CACHE_TOKEN }`),
    );
    const first = await runToy(dir);
    assert.equal(first.ok, true);
    // f1.txt of gen's output, as the server holds it.
    const manifest = JSON.parse(
      await Deno.readTextFile(
        objectPath(dir, (await recordOf(`${dir}/.cache`, "gen")).artifact),
      ),
    );
    const f1 = manifest.files.find((f: { path: string }) => f.path === "f1.txt")
      .digest;
    const served = `${server.dataDir}/cache/cas/${f1}`;
    await Deno.writeTextFile(served, "#forged\n");

    const warnings: string[] = [];
    const reporter: RunReporter = {
      ...SILENT_REPORTER,
      warn: (message) => warnings.push(message),
    };
    const { loadPipeline, runPipeline } = await import("../../../mod.ts");
    const pipeline = await loadPipeline(`${dir}/pipeline.yaml`, {
      cacheDir: `${dir}/.cache-b`,
    });
    const second = await runPipeline(pipeline, { reporter });
    assert.deepEqual(states(second), {
      gen: "ran",
      cat: "cached",
      tail: "cached",
    });
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], new RegExp(`object ${f1}`));
    assert.match(warnings[0], /it runs here instead/);
    assert.equal(
      await Deno.readTextFile(`${dir}/outputs/gen/f1.txt`),
      "#n1\n",
      "the forged content is never used",
    );
    assert.equal(
      await Deno.readTextFile(served),
      "#n1\n",
      "repaired by the push",
    );
  },
);

remoteTest(
  "a remote that goes away mid-run is one warning: the stages after it run here and the run succeeds",
  async (server, dir) => {
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      pipelineWith(`{ url: ${server.url}, token_env: TOY_CACHE_TOKEN }`),
    );
    assert.equal((await runToy(dir)).ok, true);
    // Now cat sleeps (a new key, so it runs), and tail's key stays the same
    // (cat's output does not change): tail is on the remote, gen too.
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      pipelineWith(
        `{ url: ${server.url}, token_env: TOY_CACHE_TOKEN }`,
        "{ sleep_ms: 1500 }",
      ),
    );
    const warnings: string[] = [];
    let stopping: Promise<void> | undefined;
    const reporter: RunReporter = {
      ...SILENT_REPORTER,
      stageStarted: (stage) => {
        if (stage === "cat") stopping = server.stop();
      },
      warn: (message) => warnings.push(message),
    };
    const { loadPipeline, runPipeline } = await import("../../../mod.ts");
    const pipeline = await loadPipeline(`${dir}/pipeline.yaml`, {
      cacheDir: `${dir}/.cache-b`,
    });
    const summary = await runPipeline(pipeline, { reporter, jobs: 1 });
    await stopping;
    assert.equal(summary.ok, true);
    assert.deepEqual(states(summary), {
      gen: "cached",
      cat: "ran",
      tail: "ran",
    });
    const gen = summary.stages[0].outcome;
    assert.equal(gen.state === "cached" && gen.source, "remote");
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(
      warnings[0],
      /Cannot .* the remote cache http:\/\/127\.0\.0\.1:\d+\/cache: .*stages that are not cached here run here, and nothing more is pushed/,
    );
  },
);

remoteTest(
  "a read-only remote is pulled from and never pushed to, and deno task push refuses it; push and pull move a whole pipeline",
  async (server, dir) => {
    const url =
      `{ url: ${server.url}, token_env: TOY_CACHE_TOKEN, read_only: true }`;
    await Deno.writeTextFile(`${dir}/pipeline.yaml`, pipelineWith(url));
    const first = await run(dir, "run");
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /3 ran/);
    assert.deepEqual(
      await Array.fromAsync(Deno.readDir(`${server.dataDir}/cache`)),
      [],
      "a read-only run pushes nothing",
    );
    const refused = await run(dir, "push");
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.out, /read-only/);

    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      pipelineWith(`{ url: ${server.url}, token_env: TOY_CACHE_TOKEN }`),
    );
    const pushed = await run(dir, "push");
    assert.equal(pushed.code, 0, pushed.out);
    assert.match(pushed.out, /pushed 3 of 3 stages/);
    const pulled = await run(dir, "pull", "--cache", ".cache-c");
    assert.equal(pulled.code, 0, pulled.out);
    assert.match(
      pulled.out,
      /pulled 3, 0 already cached here, 0 not on the remote/,
    );
    const again = await cli(dir, "run", "--cache", ".cache-c", "--no-remote");
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /0 ran, 3 cached/);
  },
);
