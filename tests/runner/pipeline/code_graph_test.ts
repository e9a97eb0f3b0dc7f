import assert from "node:assert/strict";
import {
  codeGraph,
  CodeGraphError,
  type ModuleResolution,
} from "../../../runner/pipeline/code_graph.ts";
import { StatCache } from "../../../runner/cache/stat_cache.ts";

async function project(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${name}`.replace(/\/[^/]*$/, ""), {
      recursive: true,
    });
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

const LOCK = {
  specifiers: { "npm:zod@4.6.7": "4.6.7", "npm:left@1": "1.2.0" },
  npm: {
    "zod@4.6.7": { integrity: "sha512-zod" },
    "left@1.2.0": { integrity: "sha512-left", dependencies: ["pad"] },
    "pad@3.0.0": { integrity: "sha512-pad" },
  },
};

Deno.test("codeGraph() follows local imports and pins npm packages with their dependencies", async () => {
  const dir = await project({
    "stage.ts":
      'import { h } from "./lib/helper.ts";\nimport { z } from "zod";\nexport const x = h;',
    "lib/helper.ts":
      'import "npm:left@1/sub/path.js";\nexport const h = await import("./lazy.ts");',
    "lib/lazy.ts": "export const lazy = 1;",
    "unused.ts": "export const nope = 1;",
  });
  const resolution: ModuleResolution = {
    projectRoot: dir,
    imports: { zod: "npm:zod@4.6.7" },
    lock: LOCK,
  };
  const graph = await codeGraph(
    [`${dir}/stage.ts`],
    resolution,
    StatCache.open(`${dir}/stat.json`),
  );
  assert.deepStrictEqual(Object.keys(graph.files).sort(), [
    "lib/helper.ts",
    "lib/lazy.ts",
    "stage.ts",
  ]);
  assert.deepStrictEqual(graph.npm, {
    "zod@4.6.7": "sha512-zod",
    "left@1.2.0": "sha512-left",
    "pad@3.0.0": "sha512-pad",
  });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("codeGraph() names the missing file of a broken local import", async () => {
  const dir = await project({ "stage.ts": 'import "./gone.ts";' });
  const resolution: ModuleResolution = {
    projectRoot: dir,
    imports: {},
    lock: {},
  };
  await assert.rejects(
    () =>
      codeGraph(
        [`${dir}/stage.ts`],
        resolution,
        StatCache.open(`${dir}/s.json`),
      ),
    (error) =>
      error instanceof CodeGraphError && /gone\.ts/.test(error.message),
  );
  await Deno.remove(dir, { recursive: true });
});
