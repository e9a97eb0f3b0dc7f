import assert from "node:assert/strict";
import { loadPipeline, runPipeline } from "../../mod.ts";
import { fixtureInputs } from "../lib/report/_fixtures.ts";

const COPY_STAGE =
  new URL("../testdata/copy_dir_stage.ts", import.meta.url).pathname;

for (const confine of ["auto", "never"] as const) {
  Deno.test(`plot runs through the runner with only the permissions it declares (bubblewrap: ${confine})`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "plot_perm_" });
    try {
      const inputs = fixtureInputs("one_epoch");
      const fixtures = Object.entries(inputs).map(([name, path]) =>
        `  fixture_${name}:\n    uses: ${COPY_STAGE}\n    with: { from: ${path} }\n`
      ).join("");
      const needs = Object.keys(inputs).map((name) =>
        `${name}: fixture_${name}`
      ).join(", ");
      await Deno.writeTextFile(
        `${dir}/pipeline.yaml`,
        `name: plot-permissions\nstages:\n${fixtures}  plot:\n    uses: plot\n    needs: { ${needs} }\n`,
      );
      const summary = await runPipeline(
        await loadPipeline(`${dir}/pipeline.yaml`),
        { confine },
      );
      const plot = summary.stages.find((s) => s.name === "plot")!;
      assert.equal(plot.outcome.state, "ran", JSON.stringify(plot.outcome));
      const png = await Deno.readFile(`${dir}/outputs/plot/loss.png`);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
      const html = await Deno.readTextFile(`${dir}/outputs/plot/report.html`);
      assert.match(html, /<script/);
    } finally {
      await new Deno.Command("chmod", { args: ["-R", "u+w", dir] }).output();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
