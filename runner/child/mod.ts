/**
 * The child wing: stage processes. The sandbox (Deno permission flags, and
 * bubblewrap for stages that load native code), the stage host every child
 * runs and the line protocol between it and the runner, the stage context a
 * stage's `run` receives, the describe and facts probes, and the fixed
 * environment children start from.
 *
 * It knows nothing of pipeline files or scheduling. It may import the cache
 * wing (checkpoints, digests, atomic writes) and the runner's base.
 *
 * @module
 */
export { bubblewrapAvailable, type SandboxPermissions } from "./sandbox.ts";
export {
  type CreatedStageContext,
  createStageContext,
  type StageContextOptions,
} from "./stage_context.ts";
