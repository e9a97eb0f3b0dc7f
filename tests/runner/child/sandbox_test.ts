import assert from "node:assert/strict";
import {
  makeToyProject,
  removeToy,
  runToy,
  SYSTEM_LIBRARIES,
} from "../_toy_project.ts";
import {
  type RunReporter,
  SILENT_REPORTER,
  type StageFailedError,
} from "../../../mod.ts";
import { bubblewrapAvailable } from "../../../runner/child/sandbox.ts";

function misbehaving(action: string, target: string, extra = ""): string {
  return `name: misbehave
stages:
  snoop:
    uses: ./misbehave.ts
    with: { action: ${action}, target: "${target}" }
${extra}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

function failure(
  summary: Awaited<ReturnType<typeof runToy>>,
): StageFailedError {
  const outcome = summary.stages[0].outcome;
  assert.deepStrictEqual(outcome.state, "failed");
  return (outcome as { error: StageFailedError }).error;
}

// The same contract with and without bubblewrap: Deno's permissions already
// stop JavaScript; bubblewrap adds a wall for native code.
for (const confine of ["auto", "never"] as const) {
  const label = confine === "auto" ? "with bubblewrap" : "without bubblewrap";

  Deno.test(`sandbox (${label}): an undeclared read fails and names the path and the YAML key`, async () => {
    const dir = await makeToyProject(misbehaving("read", "/etc/hostname"));
    try {
      const error = failure(await runToy(dir, { confine }));
      assert.match(error.message, /denied read access to "\/etc\/hostname"/);
      assert.match(
        error.hint ?? "",
        /stages\.snoop\.permissions\.read in .*pipeline\.yaml \(stage at line 3\)/,
      );
    } finally {
      await removeToy(dir);
    }
  });

  Deno.test(`sandbox (${label}): a read declared in the YAML is allowed`, async () => {
    const dir = await makeToyProject(
      misbehaving(
        "read",
        "/etc/hostname",
        "    permissions: { read: [/etc/hostname] }\n",
      ),
    );
    try {
      const summary = await runToy(dir, { confine });
      assert.deepStrictEqual(summary.stages[0].outcome.state, "ran");
    } finally {
      await removeToy(dir);
    }
  });

  Deno.test(`sandbox (${label}): an undeclared write fails and writes nothing`, async () => {
    const dir = await makeToyProject();
    const target = `${dir}/escaped.txt`;
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      misbehaving("write", target),
    );
    try {
      const error = failure(await runToy(dir, { confine }));
      assert.match(
        error.message,
        /tried to write ".*escaped\.txt", outside its output directory/,
      );
      assert.match(error.hint ?? "", /stages\.snoop\.permissions\.write/);
      assert.deepStrictEqual(await exists(target), false);
    } finally {
      await removeToy(dir);
    }
  });

  Deno.test(`sandbox (${label}): a system library declared by absolute path loads; another is denied`, async () => {
    const dir = await makeToyProject();
    const [declared, other] = SYSTEM_LIBRARIES;
    try {
      await Deno.writeTextFile(
        `${dir}/pipeline.yaml`,
        `name: syslib\nstages:\n  load:\n    uses: ./syslib.ts\n    with: { lib: "${declared}" }\n`,
      );
      const summary = await runToy(dir, { confine });
      assert.deepStrictEqual(summary.stages[0].outcome.state, "ran");
      await Deno.writeTextFile(
        `${dir}/pipeline.yaml`,
        `name: syslib\nstages:\n  load:\n    uses: ./syslib.ts\n    with: { lib: "${other}" }\n`,
      );
      const error = failure(await runToy(dir, { confine }));
      assert.match(
        error.message,
        new RegExp(`was denied loading native code from "${other}"`),
      );
    } finally {
      await removeToy(dir);
    }
  });
}

Deno.test({
  name:
    "sandbox (with bubblewrap): a native write outside the output fails and writes nothing",
  ignore: !bubblewrapAvailable(),
  fn: async () => {
    const dir = await makeToyProject();
    const target = `${dir}/escaped.png`;
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      misbehaving("native-write", target),
    );
    try {
      const error = failure(await runToy(dir, { confine: "auto" }));
      assert.match(
        error.message,
        /tried to write ".*escaped\.png" outside its output directory \(blocked by the sandbox\)/,
      );
      assert.deepStrictEqual(await exists(target), false);
    } finally {
      await removeToy(dir);
    }
  },
});

Deno.test("sandbox (without bubblewrap): native code runs unconfined, and the run says so once", async () => {
  const dir = await makeToyProject();
  const target = `${dir}/unconfined.png`;
  await Deno.writeTextFile(
    `${dir}/pipeline.yaml`,
    misbehaving(
      "native-write",
      target,
      `  snoop2:
    uses: ./misbehave.ts
    with: { action: native-write, target: "${dir}/unconfined2.png" }
`,
    ),
  );
  const warnings: string[] = [];
  const reporter: RunReporter = {
    ...SILENT_REPORTER,
    warn: (message) => warnings.push(message),
  };
  try {
    await runToy(dir, { confine: "never", reporter });
    const unconfined = warnings.filter((w) => w.includes("unconfined"));
    assert.deepStrictEqual(unconfined.length, 1);
    assert.match(
      unconfined[0],
      /bubblewrap is not installed, so the native code of "snoop", "snoop2" ran unconfined \(apt-get install bubblewrap\)/,
    );
    assert.ok(
      warnings.some((w) =>
        /stage "snoop" \(\.\/misbehave\.ts\) is granted: env npm_package_config_libvips \(from its module's permissions\); env MALLOC_ARENA_MAX .*; ffi @img\/sharp-linux-x64 .*; read \/usr\/bin\/ldd \(from its module's permissions\)/
          .test(w)
      ),
    );
    // This is the gap bubblewrap closes: native code ignores Deno's permissions.
    assert.ok(await exists(target));
  } finally {
    await removeToy(dir);
  }
});
