import assert from "node:assert/strict";
import { makeToyProject, removeToy, ROOT } from "../_toy_project.ts";
import { runStageProcess } from "../../../runner/child/stage_process.ts";
import { childBaseEnv } from "../../../runner/child/child_env.ts";

// A cluster job runs where the runner did not compute the stage's facts:
// the stage host compares them first.
for (
  const [expected, ok] of [[{ machine: "none" }, true], [
    { machine: "login-node" },
    false,
  ]] as const
) {
  Deno.test(`the stage host ${ok ? "runs" : "refuses to run"} a stage whose facts ${ok ? "match" : "differ from"} those of its key`, async () => {
    const dir = await makeToyProject("name: x\nstages: {}\n");
    try {
      const out = `${dir}/out`;
      const checkpoints = `${dir}/checkpoints`;
      await Deno.mkdir(out);
      await Deno.mkdir(checkpoints);
      const result = await runStageProcess({
        job: {
          mode: "run",
          stage: "m",
          runId: "r",
          module: `${dir}/machine.ts`,
          params: {},
          inputs: {},
          outDir: out,
          pipelineDir: dir,
          seed: 1,
          checkpointDir: checkpoints,
          expectFacts: { ...expected },
        },
        sandbox: {
          permissions: {
            read: [dir, ROOT],
            write: [out, checkpoints],
            env: ["TOY_MACHINE"],
            net: [],
            ffi: [],
            sys: [],
          },
          cwd: dir,
          env: childBaseEnv(),
          configPath: `${ROOT}/deno.json`,
        },
      });
      if (ok) {
        assert.equal(result.code, 0, result.tail.join("\n"));
        assert.ok(result.done);
      } else {
        assert.equal(result.code, 1);
        assert.equal(
          result.error?.message,
          'Cannot run stage "m" on this node: its machine facts differ (machine is "none" here, "login-node" where the runner computed its cache key)',
        );
        assert.match(
          result.error?.hint ?? "",
          /with\.backend and with\.replicas/,
        );
      }
    } finally {
      await removeToy(dir);
    }
  });
}
