import assert from "node:assert/strict";
import { makeToyProject, removeToy, runToy, states } from "../_toy_project.ts";
import { collectGarbage, loadPipeline } from "../../../mod.ts";

Deno.test("collectGarbage() removes what the latest runs no longer reference, and --dry-run only counts", async () => {
  const dir = await makeToyProject();
  try {
    await runToy(dir);
    const yaml = await Deno.readTextFile(`${dir}/pipeline.yaml`);
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      yaml.replace("count: 3", "count: 2"),
    );
    await runToy(dir);
    const pipeline = await loadPipeline(`${dir}/pipeline.yaml`);
    const dry = await collectGarbage(pipeline, { dryRun: true });
    assert.ok(
      dry.objects > 0 && dry.records === 3 && dry.trees === 3,
      JSON.stringify(dry),
    );
    assert.deepStrictEqual(
      await collectGarbage(pipeline, { dryRun: true }),
      dry,
    );
    const real = await collectGarbage(pipeline);
    assert.deepStrictEqual(real, dry);
    assert.deepStrictEqual((await collectGarbage(pipeline)).objects, 0);
    // The current outputs survive and are still cached.
    assert.deepStrictEqual(
      await Deno.readTextFile(`${dir}/outputs/tail/all.txt`),
      "#n0\n#n1\n",
    );
    assert.deepStrictEqual(states(await runToy(dir)), {
      gen: "cached",
      cat: "cached",
      tail: "cached",
      gen2: "cached",
    });
  } finally {
    await removeToy(dir);
  }
});
