/**
 * Runs one stage module in this process the way the runner's child does:
 * `deno run --no-prompt <permissions> _stage_host.ts <module> <json>` where
 * json is { params, inputs, outDir }. Prints the summary as JSON. Used by
 * tests that check a stage's declared permissions are enough.
 *
 * @module
 */
import { createStageContext } from "../../runner/stage_context.ts";
import type { StageDefinition } from "../../runner/define_stage.ts";

const [modulePath, json] = Deno.args;
const { params, inputs, outDir } = JSON.parse(json);
const definition: StageDefinition = (await import(modulePath)).default;
const { ctx } = createStageContext({
  stage: "host",
  params: definition.params.parse(params),
  inputs,
  outDir,
  checkpointDir: `${outDir}/.checkpoints`,
});
console.log(JSON.stringify(await definition.run(ctx)));
