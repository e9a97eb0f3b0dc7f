import assert from "node:assert/strict";
import {
  cli,
  makeToyProject,
  removeToy,
  runToy,
  states,
} from "../_toy_project.ts";
import {
  formatReason,
  type RunReporter,
  SILENT_REPORTER,
  type StaleReason,
} from "../../../mod.ts";

/** A reporter that keeps why each stage started. */
function reasonRecorder(): {
  reasons: Record<string, StaleReason[]>;
  reporter: RunReporter;
} {
  const reasons: Record<string, StaleReason[]> = {};
  return {
    reasons,
    reporter: {
      ...SILENT_REPORTER,
      stageStarted: (stage, info) => reasons[stage] = info.reasons,
    },
  };
}

Deno.test("runPipeline() runs every stage once, then finds all of them cached", async () => {
  const dir = await makeToyProject();
  try {
    const first = await runToy(dir);
    assert.deepStrictEqual(states(first), {
      gen: "ran",
      cat: "ran",
      tail: "ran",
      gen2: "ran",
    });
    assert.deepStrictEqual(
      await Deno.readTextFile(`${dir}/outputs/tail/all.txt`),
      "#n0\n#n1\n#n2\n",
    );
    const second = await runToy(dir);
    assert.deepStrictEqual(states(second), {
      gen: "cached",
      cat: "cached",
      tail: "cached",
      gen2: "cached",
    });
  } finally {
    await removeToy(dir);
  }
});

Deno.test("runPipeline() re-runs only a stage whose param changed and its dependants", async () => {
  const dir = await makeToyProject();
  try {
    await runToy(dir);
    const yaml = await Deno.readTextFile(`${dir}/pipeline.yaml`);
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      yaml.replace("count: 3", "count: 4"),
    );
    const { reasons, reporter } = reasonRecorder();
    const summary = await runToy(dir, { reporter });
    assert.deepStrictEqual(states(summary), {
      gen: "ran",
      cat: "ran",
      tail: "ran",
      gen2: "cached",
    });
    assert.deepStrictEqual(reasons.gen.map(formatReason), [
      "param count: 3 → 4",
    ]);
    assert.match(
      reasons.cat.map(formatReason).join(),
      /input gen \(from stage "gen"\) changed: f3\.txt added/,
    );
  } finally {
    await removeToy(dir);
  }
});

Deno.test("runPipeline() re-runs a stage when a helper module it imports changes, but not for a comment", async () => {
  const dir = await makeToyProject();
  try {
    await runToy(dir);
    const helper = await Deno.readTextFile(`${dir}/helper.ts`);
    // Comments and formatting only: the normalised code digest is unchanged.
    await Deno.writeTextFile(
      `${dir}/helper.ts`,
      `// a comment\n${
        helper.replace('return "#";', 'return    "#"  ;  /* why */')
      }`,
    );
    assert.deepStrictEqual(states(await runToy(dir)), {
      gen: "cached",
      cat: "cached",
      tail: "cached",
      gen2: "cached",
    });
    await Deno.writeTextFile(`${dir}/helper.ts`, helper.replace('"#"', '"@"'));
    const { reasons, reporter } = reasonRecorder();
    const summary = await runToy(dir, { reporter });
    assert.deepStrictEqual(states(summary), {
      gen: "ran",
      cat: "ran",
      tail: "ran",
      gen2: "ran",
    });
    assert.deepStrictEqual(reasons.gen.map(formatReason), [
      `code file ${dir}/helper.ts changed`,
    ]);
    assert.deepStrictEqual(
      await Deno.readTextFile(`${dir}/outputs/tail/all.txt`),
      "@n0\n@n1\n@n2\n",
    );
  } finally {
    await removeToy(dir);
  }
});

Deno.test("runPipeline() rebuilds a damaged stored output and keeps dependants cached when it comes out the same", async () => {
  const dir = await makeToyProject();
  try {
    await runToy(dir);
    // outputs/gen/f0.txt is a hard link to the stored object: damage both.
    await Deno.chmod(`${dir}/outputs/gen/f0.txt`, 0o644);
    await Deno.writeTextFile(`${dir}/outputs/gen/f0.txt`, "tampered\n");
    const { reasons, reporter } = reasonRecorder();
    const summary = await runToy(dir, { reporter });
    assert.deepStrictEqual(states(summary), {
      gen: "ran",
      cat: "cached",
      tail: "cached",
      gen2: "cached",
    });
    assert.deepStrictEqual(reasons.gen[0].kind, "damaged");
    assert.deepStrictEqual(
      await Deno.readTextFile(`${dir}/outputs/gen/f0.txt`),
      "#n0\n",
    );
  } finally {
    await removeToy(dir);
  }
});

Deno.test("runPipeline() stops the dependants of a failed stage and lets unrelated stages finish", async () => {
  const dir = await makeToyProject(`name: failing
stages:
  bad:
    uses: ./misbehave.ts
    with: { action: read, target: /etc/hostname }
  after:
    uses: ./cat.ts
    needs: { gen: bad }
  fine:
    uses: ./gen.ts
`);
  try {
    const summary = await runToy(dir, { jobs: 1 });
    assert.deepStrictEqual(states(summary), {
      bad: "failed",
      after: "blocked",
      fine: "ran",
    });
    assert.deepStrictEqual(summary.ok, false);
  } finally {
    await removeToy(dir);
  }
});

Deno.test("runPipeline() honours --force, --from, --only and --dry-run", async () => {
  const dir = await makeToyProject();
  try {
    assert.deepStrictEqual(states(await runToy(dir, { dryRun: true })), {
      gen: "would-run",
      cat: "would-run",
      tail: "would-run",
      gen2: "would-run",
    });
    await runToy(dir);
    // --force gen: gen re-runs; its output is identical, so its dependants stay cached.
    assert.deepStrictEqual(states(await runToy(dir, { force: ["gen"] })), {
      gen: "ran",
      cat: "cached",
      tail: "cached",
      gen2: "cached",
    });
    // --from cat: cat and everything after it re-run.
    assert.deepStrictEqual(states(await runToy(dir, { from: "cat" })), {
      gen: "cached",
      cat: "ran",
      tail: "ran",
      gen2: "cached",
    });
    // --only tail: nothing else is considered beyond its upstream.
    assert.deepStrictEqual(
      states(await runToy(dir, { only: "tail", force: ["tail"] })),
      {
        gen: "cached",
        cat: "cached",
        tail: "ran",
        gen2: "skipped",
      },
    );
  } finally {
    await removeToy(dir);
  }
});

Deno.test("status explains stale stages: param path, changed code file and upstream", async () => {
  const dir = await makeToyProject();
  try {
    assert.deepStrictEqual((await cli(dir, "run", "pipeline.yaml")).code, 0);
    const yaml = await Deno.readTextFile(`${dir}/pipeline.yaml`);
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      yaml.replace("text: other", "text: changed"),
    );
    const cat = await Deno.readTextFile(`${dir}/cat.ts`);
    await Deno.writeTextFile(
      `${dir}/cat.ts`,
      cat.replace('let text = "";', 'let text = "" + "";'),
    );
    const { code, stdout } = await cli(dir, "status", "pipeline.yaml");
    assert.deepStrictEqual(code, 0);
    assert.match(stdout, /gen +cached/);
    assert.match(stdout, /cat +stale: code file .*cat\.ts changed/);
    assert.match(stdout, /tail +stale: code file .*cat\.ts changed/);
    assert.match(stdout, /gen2 +stale: param text: "other" → "changed"/);
    // status runs nothing.
    assert.deepStrictEqual((await cli(dir, "status")).stdout, stdout);
  } finally {
    await removeToy(dir);
  }
});

Deno.test("status says a stage's run record is missing, not that it never ran", async () => {
  const dir = await makeToyProject();
  try {
    assert.deepStrictEqual((await cli(dir, "run", "pipeline.yaml")).code, 0);
    const head =
      (await Array.fromAsync(Deno.readDir(`${dir}/.cache/heads`)))[0];
    const key = (await Deno.readTextFile(
      `${dir}/.cache/heads/${head.name}/gen2`,
    )).trim();
    await Deno.remove(`${dir}/.cache/runs/${key}.json`);
    const { stdout } = await cli(dir, "status", "pipeline.yaml");
    assert.match(
      stdout,
      new RegExp(
        `gen2 +stale: its last run record \\(${
          key.slice(0, 12)
        }…\\) is missing or unreadable, so it runs again`,
      ),
    );
  } finally {
    await removeToy(dir);
  }
});

Deno.test("a data path holding a dangling symbolic link is named as such, not as missing", async () => {
  const dir = await makeToyProject(`name: dangling
stages:
  reader:
    uses: ./gen.ts
    permissions: { read: [data] }
`);
  try {
    await Deno.mkdir(`${dir}/data`);
    await Deno.writeTextFile(`${dir}/data/ok.txt`, "ok");
    await Deno.symlink(`${dir}/data/gone.txt`, `${dir}/data/link.txt`);
    const { code, stdout, stderr } = await cli(dir, "run", "pipeline.yaml");
    assert.equal(code, 1);
    assert.match(
      stdout + stderr,
      /Cannot read "link\.txt" in data path ".*data": it is a symbolic link to ".*gone\.txt", which does not exist/,
    );
  } finally {
    await removeToy(dir);
  }
});

Deno.test("runPipeline() keys a stage on the facts it declares about the machine", async () => {
  const dir = await makeToyProject(`name: facts
stages:
  machine:
    uses: ./machine.ts
`);
  try {
    Deno.env.set("TOY_MACHINE", "gpu-a");
    assert.deepStrictEqual(states(await runToy(dir)), { machine: "ran" });
    assert.deepStrictEqual(states(await runToy(dir)), { machine: "cached" });
    Deno.env.set("TOY_MACHINE", "gpu-b");
    const { reasons, reporter } = reasonRecorder();
    assert.deepStrictEqual(states(await runToy(dir, { reporter })), {
      machine: "ran",
    });
    assert.deepStrictEqual(reasons.machine.map(formatReason), [
      "machine: gpu-a → gpu-b",
    ]);
    assert.strictEqual(
      await Deno.readTextFile(`${dir}/outputs/machine/machine.txt`),
      "gpu-b",
    );
  } finally {
    Deno.env.delete("TOY_MACHINE");
    await removeToy(dir);
  }
});
