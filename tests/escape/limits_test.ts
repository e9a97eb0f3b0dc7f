/**
 * Class 5: limits. A stage that fills memory, runs forever ignoring
 * SIGTERM, or writes a flood of tiny files is ended or refused with a
 * message that names the limit and the key that raises it. A stage also
 * cannot tamper with its inputs.
 */
import assert from "node:assert/strict";
import {
  failureOf,
  hostileProject,
  removeHostile,
  runHostile,
  stageModule,
} from "./_hostile.ts";

async function runOne(source: string, resources = "") {
  const dir = await hostileProject(
    `name: limits
stages:
  gen: { uses: ./gen.ts }
  evil:
    uses: ./evil.ts
    needs: { up: gen }
${resources}`,
    {
      "gen.ts": stageModule(
        `await Deno.writeTextFile(\`\${ctx.outDir}/in.txt\`, "input");`,
      ),
      "evil.ts": source,
    },
  );
  return { dir, run: await runHostile(dir) };
}

const WITH_INPUT = { extra: `inputs: { up: {} },` };

Deno.test("escape: a stage that fills its memory is ended at its limit, with the key that raises it", async () => {
  const fills = stageModule(
    `
    const kept = [];
    for (;;) {
      kept.push(new Uint8Array(16 << 20).fill(1));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
`,
    WITH_INPUT,
  );
  const started = performance.now();
  const { dir, run } = await runOne(
    fills,
    "    resources: { memory: 300MiB }\n",
  );
  try {
    const error = failureOf(run, "evil");
    assert.equal(
      error.message,
      'Stage "evil" ran out of its 300 MiB memory limit and was ended',
    );
    assert.match(error.hint ?? "", /raise stages\.evil\.resources\.memory in/);
    assert.ok(performance.now() - started < 30_000);
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a stage that ignores SIGTERM and never ends is killed at its time limit", async () => {
  const hangs = stageModule(
    `
    Deno.addSignalListener("SIGTERM", () => {});
    await new Promise(() => setInterval(() => {}, 1000));
`,
    WITH_INPUT,
  );
  const started = performance.now();
  const { dir, run } = await runOne(hangs, "    resources: { time: 2s }\n");
  try {
    const error = failureOf(run, "evil");
    assert.equal(
      error.message,
      'Stage "evil" ran past its time limit of 2.0s and was ended',
    );
    assert.match(error.hint ?? "", /raise stages\.evil\.resources\.time/);
    assert.ok(performance.now() - started < 20_000, "SIGKILL after the grace");
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a flood of tiny files is refused at the output's file limit, and a normal output reports its size", async () => {
  const floods = stageModule(
    `
    for (let i = 0; i < 1500; i++) await Deno.writeTextFile(\`\${ctx.outDir}/f\${i}\`, "x");
`,
    WITH_INPUT,
  );
  const { dir, run } = await runOne(
    floods,
    "    resources: { max_output_files: 1000 }\n",
  );
  try {
    const error = failureOf(run, "evil");
    assert.match(error.message, /it holds more than 1000 files/);
    assert.match(error.hint ?? "", /resources\.max_output_files/);
    const gen = run.outcomes.gen;
    assert.equal(gen.state, "ran");
    if (gen.state === "ran") {
      // in.txt and the runner's _run.json.
      assert.deepEqual(gen.output, {
        files: 2,
        bytes: gen.output!.bytes,
        references: 0,
      });
      assert.ok(gen.output!.bytes > 5);
    }
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a stage cannot write, chmod or remove its input", async () => {
  for (
    const attack of [
      `await Deno.writeTextFile(\`\${ctx.inputs.up}/in.txt\`, "tampered");`,
      `await Deno.chmod(\`\${ctx.inputs.up}/in.txt\`, 0o666);`,
      `await Deno.remove(\`\${ctx.inputs.up}/in.txt\`);`,
    ]
  ) {
    const { dir, run } = await runOne(stageModule(attack, WITH_INPUT));
    try {
      const error = failureOf(run, "evil");
      assert.match(
        error.message,
        /tried to write ".*in\.txt", outside its output directory/,
        attack,
      );
      assert.equal(
        await Deno.readTextFile(`${dir}/outputs/gen/in.txt`),
        "input",
      );
    } finally {
      await removeHostile(dir);
    }
  }
});
