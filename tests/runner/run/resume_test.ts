import assert from "node:assert/strict";
import { cli, makeToyProject, removeToy, ROOT } from "../_toy_project.ts";

const SLOW = `name: slow
stages:
  gen:
    uses: ./gen.ts
  cat:
    uses: ./cat.ts
    needs: [gen]
    with: { sleep_ms: 20000, marker: started }
  tail:
    uses: ./cat.ts
    needs: { gen: cat }
`;

async function waitFor(
  predicate: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stagingMarkers(dir: string): Promise<string[]> {
  try {
    const found: string[] = [];
    for await (const entry of Deno.readDir(`${dir}/.cache/staging`)) {
      try {
        await Deno.stat(`${dir}/.cache/staging/${entry.name}/started`);
        found.push(entry.name);
      } catch { /* not started yet */ }
    }
    return found;
  } catch {
    return [];
  }
}

Deno.test("a run killed with SIGKILL mid-stage leaves no record, and the next run resumes at that stage", async () => {
  const dir = await makeToyProject(SLOW);
  try {
    const runner = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", `${ROOT}/main.ts`, "run", "pipeline.yaml"],
      cwd: dir,
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitFor(async () => (await stagingMarkers(dir)).length > 0, 30_000);
    const [key] = await stagingMarkers(dir);
    runner.kill("SIGKILL");
    await runner.status;
    // The stage child notices its runner is gone (stdin closes) and exits.
    await waitFor(async () => {
      const ps = await new Deno.Command("pgrep", {
        args: ["-f", `staging/${key}`],
      }).output();
      return ps.code !== 0;
    }, 10_000);
    let recorded = true;
    try {
      await Deno.stat(`${dir}/.cache/runs/${key}.json`);
    } catch {
      recorded = false;
    }
    assert.deepStrictEqual(
      recorded,
      false,
      "no run record for the killed stage",
    );

    const status = await cli(dir, "status");
    assert.ok(/gen +cached/.test(status.stdout), status.stdout);
    assert.ok(/cat +stale/.test(status.stdout), status.stdout);

    const yaml = await Deno.readTextFile(`${dir}/pipeline.yaml`);
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      yaml.replace("sleep_ms: 20000", "sleep_ms: 0"),
    );
    const rerun = await cli(dir, "run");
    assert.deepStrictEqual(rerun.code, 0, rerun.stderr);
    assert.ok(/= gen +cached/.test(rerun.stdout), rerun.stdout);
    assert.ok(/✓ cat +ran/.test(rerun.stdout), rerun.stdout);
    assert.ok(/✓ tail +ran/.test(rerun.stdout), rerun.stdout);
    // The interrupted run's staging directory is gone.
    assert.deepStrictEqual(await stagingMarkers(dir), []);
    assert.deepStrictEqual(
      await Deno.readTextFile(`${dir}/outputs/tail/all.txt`),
      "#n0\n#n1\n#n2\n",
    );
  } finally {
    await removeToy(dir);
  }
});

Deno.test("a stage killed mid-way resumes from its last checkpoint on the next run", async () => {
  const dir = await makeToyProject(`name: resumable
stages:
  count:
    uses: ./resumable.ts
    with: { steps: 6, sleep_ms: 300 }
`);
  try {
    const runner = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", `${ROOT}/main.ts`, "run"],
      cwd: dir,
      stdout: "null",
      stderr: "null",
    }).spawn();
    const savedStep = async () => {
      try {
        for await (const entry of Deno.readDir(`${dir}/.cache/checkpoints`)) {
          return Number(
            await Deno.readTextFile(
              `${dir}/.cache/checkpoints/${entry.name}/progress/step`,
            ),
          );
        }
      } catch { /* not yet */ }
      return 0;
    };
    await waitFor(async () => (await savedStep()) >= 2, 30_000);
    runner.kill("SIGKILL");
    await runner.status;
    const killedAt = await savedStep();
    const rerun = await cli(dir, "run");
    assert.deepStrictEqual(rerun.code, 0, rerun.stderr);
    assert.ok(
      /resuming its interrupted run from the checkpoint\n/.test(rerun.stdout),
      rerun.stdout,
    );
    const resumedFrom = Number(
      await Deno.readTextFile(`${dir}/outputs/count/resumed_from.txt`),
    );
    assert.ok(
      resumedFrom >= 2 && resumedFrom <= killedAt + 1,
      `resumed from ${resumedFrom}, killed at ${killedAt}`,
    );
    // A committed stage's checkpoints are removed.
    assert.deepStrictEqual(
      [...Deno.readDirSync(`${dir}/.cache/checkpoints`)].length,
      0,
    );
  } finally {
    await removeToy(dir);
  }
});
