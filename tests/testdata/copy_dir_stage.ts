/**
 * A test stage that publishes a fixture folder as its output, so a stage
 * under test can get prepared inputs through the real runner.
 *
 * @module
 */
import { defineStage, z } from "../../stage.ts";

async function copyTree(from: string, to: string): Promise<number> {
  let files = 0;
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === "_run.json") continue; // the runner writes its own
    if (entry.isDirectory) {
      await Deno.mkdir(`${to}/${entry.name}`);
      files += await copyTree(`${from}/${entry.name}`, `${to}/${entry.name}`);
    } else {
      await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
      files++;
    }
  }
  return files;
}

export default defineStage({
  description: "Copies a fixture folder into its output",
  params: z.strictObject({ from: z.string() }),
  reads: (p) => [p.from],
  async run(ctx) {
    const from = ctx.params.from.startsWith("/")
      ? ctx.params.from
      : `${ctx.pipelineDir}/${ctx.params.from}`;
    return { files: await copyTree(from, ctx.outDir) };
  },
});
