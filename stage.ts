/**
 * What a stage module imports: {@linkcode defineStage}, its types and `z`
 * (zod) for the params schema. This entry point is deliberately light; it
 * does not load the runner.
 *
 * @example A user's own stage module
 * ```ts
 * import { defineStage, z } from "./stage.ts";
 *
 * export default defineStage({
 *   description: "Counts the lines of a text file",
 *   params: z.strictObject({ file: z.string() }),
 *   reads: (params) => [params.file],
 *   async run(ctx) {
 *     const text = await Deno.readTextFile(`${ctx.pipelineDir}/${ctx.params.file}`);
 *     await Deno.writeTextFile(`${ctx.outDir}/lines.txt`, `${text.split("\n").length}`);
 *   },
 * });
 * ```
 *
 * @module
 */
export { z } from "zod";
export { HintedError } from "./lib/hinted_error.ts";
export type { HintedErrorOptions } from "./lib/hinted_error.ts";
export { defineStage } from "./runner/define_stage.ts";
export type {
  CheckpointStore,
  Logger,
  Progress,
  StageContext,
  StageDefinition,
  StageInput,
  StagePermissions,
  StageResources,
  StageSummary,
} from "./runner/define_stage.ts";
