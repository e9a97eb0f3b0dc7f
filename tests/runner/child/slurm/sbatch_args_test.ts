import assert from "node:assert/strict";
import {
  batchScript,
  sbatchArgs,
} from "../../../../runner/child/slurm/sbatch_args.ts";

Deno.test("sbatchArgs() asks for the stage's resources in Slurm's units and exports only what the job needs", () => {
  Deno.env.set("ARCFACE_CACHE_TOKEN", "never-exported");
  Deno.env.set("TOY_MACHINE", "a");
  try {
    const args = sbatchArgs({
      cpus: 8,
      memoryBytes: 1.5 * 2 ** 30,
      timeMs: 90_500,
      gpus: 1,
      partition: "gpu",
      sbatchArgs: ["--account=ml"],
    }, {
      jobName: "recipe:train",
      cwd: "/shared/p",
      envNames: ["TOY_MACHINE"],
      slurmOutput: "/shared/p/.cache/jobs/k/slurm.out",
    });
    assert.deepEqual(args.slice(0, 4), [
      "--job-name=recipe:train",
      "--output=/shared/p/.cache/jobs/k/slurm.out",
      "--chdir=/shared/p",
      "--no-requeue",
    ]);
    const exported = args[4].replace("--export=", "").split(",");
    assert.ok(exported.includes("TOY_MACHINE"));
    assert.ok(!exported.includes("ARCFACE_CACHE_TOKEN"));
    assert.deepEqual(args.slice(5), [
      "--cpus-per-task=8",
      "--mem=1536M",
      "--time=2",
      "--gres=gpu:1",
      "--partition=gpu",
      "--account=ml",
    ]);
  } finally {
    Deno.env.delete("ARCFACE_CACHE_TOKEN");
    Deno.env.delete("TOY_MACHINE");
  }
});

Deno.test("batchScript() quotes every word for sh", () => {
  assert.equal(
    batchScript(["/opt/deno", "run", "/a b/it's.ts"]),
    `#!/bin/sh\nexec '/opt/deno' 'run' '/a b/it'\\''s.ts'\n`,
  );
});
