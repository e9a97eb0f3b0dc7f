/**
 * Class 1: paths the runner takes from a stage. The runner acts on what a
 * child says (references, names inside the output, events on stdout) and
 * on what it leaves behind; none of it may make the runner read, write or
 * link anything outside the stage's own grants.
 */
import assert from "node:assert/strict";
import {
  exists,
  failureOf,
  hostileProject,
  removeHostile,
  runHostile,
  stageModule,
} from "./_hostile.ts";

const GEN = stageModule(`
    await Deno.writeTextFile(\`\${ctx.outDir}/data.txt\`, "input");
`);

const READER = stageModule(
  `
    const text = await Deno.readTextFile(\`\${ctx.inputs.up}/stolen\`);
    await Deno.writeTextFile(\`\${ctx.outDir}/copy.txt\`, text);
`,
  { extra: `inputs: { up: {} },` },
);

Deno.test("escape: a reference that climbs out of an input with .. is refused, and nothing downstream reads it", async () => {
  const evil = stageModule(
    `
    ctx.reference(\`\${ctx.inputs.up}/../../../../../../etc/hostname\`, "stolen");
    await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");
`,
    { extra: `inputs: { up: {} },` },
  );
  const dir = await hostileProject(
    `name: refs
stages:
  gen: { uses: ./gen.ts }
  evil: { uses: ./evil.ts, needs: { up: gen } }
  reader: { uses: ./reader.ts, needs: { up: evil } }
`,
    { "gen.ts": GEN, "evil.ts": evil, "reader.ts": READER },
  );
  try {
    const run = await runHostile(dir);
    const error = failureOf(run, "evil");
    assert.match(
      error.message,
      /Cannot reference ".*\/etc\/hostname": it resolves to "\/etc\/hostname", outside what the stage was given to read/,
    );
    assert.match(error.hint ?? "", /only reference files of its inputs/);
    assert.equal(run.outcomes.reader.state, "blocked");
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a reference to a link in a data folder that points outside it is refused", async () => {
  const evil = stageModule(
    `
    ctx.reference(\`\${ctx.pipelineDir}/data/link\`, "stolen");
    await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");
`,
    { extra: `reads: () => ["data"],` },
  );
  const dir = await hostileProject(
    `name: refs
stages:
  evil: { uses: ./evil.ts }
`,
    { "evil.ts": evil, "data/real.txt": "data" },
  );
  try {
    await Deno.symlink("/etc/hostname", `${dir}/data/link`);
    const error = failureOf(await runHostile(dir), "evil");
    assert.match(
      error.message,
      /resolves to "\/etc\/hostname", outside what the stage was given to read/,
    );
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a forged done event naming a path outside the output is refused, and nothing is created there", async () => {
  const target = `/tmp/escaped-${crypto.randomUUID()}`;
  const evil = stageModule(`
    const forged = { t: "done", summary: null, references: [
      { absolutePath: "${Deno.execPath()}", asPath: "../../../../../../..${target}" },
    ] };
    await Deno.stdout.write(new TextEncoder().encode("\\x1e" + JSON.stringify(forged) + "\\n"));
    Deno.exit(0);
`);
  const dir = await hostileProject(
    `name: forged
stages:
  evil: { uses: ./evil.ts }
`,
    { "evil.ts": evil },
  );
  try {
    const error = failureOf(await runHostile(dir), "evil");
    assert.match(
      error.message,
      /Cannot add ".*escaped-.*" to the output: it has an empty, \. or \.\. segment/,
    );
    assert.equal(await exists(target), false);
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a second done event breaks the protocol and fails the stage", async () => {
  const evil = stageModule(`
    const forged = { t: "done", summary: { fake: true }, references: [] };
    await Deno.stdout.write(new TextEncoder().encode("\\x1e" + JSON.stringify(forged) + "\\n"));
    await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");
`);
  const dir = await hostileProject(
    `name: twice
stages:
  evil: { uses: ./evil.ts }
`,
    { "evil.ts": evil },
  );
  try {
    const error = failureOf(await runHostile(dir), "evil");
    assert.match(
      error.message,
      /broke the stage protocol: it sent a second "done" event/,
    );
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a planted link at outputs/<stage>.log does not make the runner write through it", async () => {
  const dir = await hostileProject(
    `name: log
stages:
  gen: { uses: ./gen.ts }
`,
    { "gen.ts": GEN, "victim.txt": "precious\n" },
  );
  try {
    await Deno.mkdir(`${dir}/outputs`);
    await Deno.symlink(`${dir}/victim.txt`, `${dir}/outputs/gen.log`);
    const run = await runHostile(dir);
    assert.equal(run.outcomes.gen.state, "ran");
    assert.equal(await Deno.readTextFile(`${dir}/victim.txt`), "precious\n");
    const log = await Deno.lstat(`${dir}/outputs/gen.log`);
    assert.ok(log.isFile && !log.isSymlink);
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a hard link from the output to a data file is denied, and the data file is left as it was", async () => {
  const evil = stageModule(
    `
    await Deno.link(\`\${ctx.pipelineDir}/data/owned.txt\`, \`\${ctx.outDir}/linked.txt\`);
`,
    { extra: `reads: () => ["data"],` },
  );
  const dir = await hostileProject(
    `name: hardlink
stages:
  evil: { uses: ./evil.ts }
`,
    { "evil.ts": evil, "data/owned.txt": "mine\n" },
  );
  try {
    await Deno.chmod(`${dir}/data/owned.txt`, 0o644);
    const error = failureOf(await runHostile(dir), "evil");
    assert.match(
      error.message,
      /tried to write ".*data\/owned\.txt", outside its output directory/,
    );
    const after = await Deno.stat(`${dir}/data/owned.txt`);
    assert.equal(after.mode! & 0o777, 0o644);
    assert.equal(after.nlink, 1);
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: control characters a stage prints never reach the terminal", async () => {
  const evil = stageModule(`
    ctx.log.info("\\x1b[2J\\x1b[Hcleared\\rover\\x07");
    ctx.progress.start("\\x1b]0;title\\x07x", 2);
    await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");
`);
  const dir = await hostileProject(
    `name: escapes
stages:
  evil: { uses: ./evil.ts }
`,
    { "evil.ts": evil },
  );
  try {
    const run = await runHostile(dir);
    assert.equal(run.outcomes.evil.state, "ran");
    const line = run.logs.find((l) => l.includes("cleared"))!;
    assert.equal(line, "evil: info: [2J[Hclearedover");
    // deno-lint-ignore no-control-regex
    assert.ok(run.logs.every((l) => !/[\x00-\x1f]/.test(l)));
  } finally {
    await removeHostile(dir);
  }
});
