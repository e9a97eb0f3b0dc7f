import assert from "node:assert/strict";
import plot from "../../stages/plot.ts";
import { fixtureInputs } from "../lib/report/_fixtures.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The folder of an installed npm package's files (node_modules/.deno/<name>@<version>). */
function packageDir(name: string): string {
  const prefix = `${name.replace("/", "+")}@`;
  const entry = [...Deno.readDirSync(`${ROOT}node_modules/.deno`)]
    .find((e) => e.name.startsWith(prefix));
  if (!entry) throw new Error(`Cannot find the installed package "${name}"`);
  return `${ROOT}node_modules/.deno/${entry.name}`;
}

Deno.test("plot runs with only the permissions it declares (as the runner grants them)", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "plot_perm_" });
  const inputs = fixtureInputs("one_epoch");
  const declared = plot.permissions!;
  try {
    const args = [
      "run",
      "--no-prompt",
      // Reads: its code, its inputs, node_modules (the vega bundles) and
      // what it declares.
      `--allow-read=${
        [
          `${ROOT}stages/plot.ts`,
          `${ROOT}lib`,
          `${ROOT}runner`,
          ...Object.values(inputs),
          `${ROOT}node_modules`,
          ...declared.read!,
        ].join(",")
      }`,
      `--allow-write=${outDir}`,
      `--allow-ffi=${declared.ffi!.map(packageDir).join(",")}`,
      `--allow-env=${declared.env!.join(",")}`,
      `${ROOT}tests/stages/_stage_host.ts`,
      `${ROOT}stages/plot.ts`,
      JSON.stringify({ params: {}, inputs, outDir }),
    ];
    const output = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT })
      .output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    const summary = JSON.parse(new TextDecoder().decode(output.stdout));
    assert.ok(summary.charts.length > 5);
    const png = await Deno.readFile(`${outDir}/loss.png`);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
