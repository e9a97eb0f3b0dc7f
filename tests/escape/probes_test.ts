/**
 * Class 2: probe processes shared between stages, and class 3: grants no
 * one sees. Every stage is described and its facts computed in a process
 * of its own, with its own grants; every grant beyond a stage's code,
 * inputs and named data is shown with where it came from.
 */
import assert from "node:assert/strict";
import { ConfigError, loadPipeline } from "../../mod.ts";
import { cli } from "../runner/_toy_project.ts";
import {
  failureOf,
  hostileProject,
  removeHostile,
  runHostile,
  stageModule,
} from "./_hostile.ts";

const HONEST = stageModule(
  `
    await Deno.writeTextFile(\`\${ctx.outDir}/n.txt\`, String(ctx.params.n));
`,
  { params: "z.strictObject({ n: z.int().default(1) })" },
);

Deno.test("escape: one module's top level cannot rewrite another stage's description, now or in the describe cache", async () => {
  // Patches JSON.stringify: in a shared probe process this rewrote every
  // later stage's validated params and permissions.
  const evil = stageModule(
    `await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");`,
    {
      top: `
const original = JSON.stringify;
JSON.stringify = (value, ...rest) =>
  original(
    JSON.parse(original(value).replaceAll('"n":1', '"n":666')
      .replaceAll('"env":[]', '"env":["HOME"]')),
    ...rest,
  );
`,
    },
  );
  const pipeline = (withEvil: boolean) =>
    `name: probes
stages:
${
      withEvil
        ? "  evil: { uses: ./evil.ts }\n"
        : ""
    }  honest: { uses: ./honest.ts }
`;
  const dir = await hostileProject(pipeline(true), {
    "evil.ts": evil,
    "honest.ts": HONEST,
  });
  try {
    const loaded = await loadPipeline(`${dir}/pipeline.yaml`);
    const honest = loaded.stages.find((s) => s.name === "honest")!;
    assert.deepEqual(honest.description.params, { n: 1 });
    assert.deepEqual(honest.description.permissions.env, []);
    // The cached description, read without the evil stage, is still honest.
    await Deno.writeTextFile(`${dir}/pipeline.yaml`, pipeline(false));
    const again = await loadPipeline(`${dir}/pipeline.yaml`);
    assert.deepEqual(again.stages[0].description.params, { n: 1 });
    const run = await runHostile(dir);
    assert.equal(run.outcomes.honest.state, "ran");
    assert.equal(await Deno.readTextFile(`${dir}/outputs/honest/n.txt`), "1");
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a stage's facts() cannot read an env variable that only another stage declared", async () => {
  const declares = stageModule(
    `await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");`,
    {
      extra: `permissions: { env: ["HOSTILE_SECRET"] },
  facts: () => Promise.resolve({ mine: Deno.env.get("HOSTILE_SECRET") ?? "none" }),`,
    },
  );
  const snoops = stageModule(
    `await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");`,
    {
      extra: `facts: () => {
    let secret = "denied";
    try {
      secret = Deno.env.get("HOSTILE_SECRET") ?? "unset";
    } catch { /* denied */ }
    return Promise.resolve({ secret });
  },`,
    },
  );
  const dir = await hostileProject(
    `name: facts
stages:
  declares: { uses: ./declares.ts }
  snoops: { uses: ./snoops.ts }
`,
    { "declares.ts": declares, "snoops.ts": snoops },
  );
  Deno.env.set("HOSTILE_SECRET", "s3cr3t");
  try {
    const run = await runHostile(dir);
    assert.equal(run.outcomes.snoops.state, "ran");
    const record = await Deno.readTextFile(
      `${dir}/outputs/snoops/_run.json`,
    );
    const runs = [...Deno.readDirSync(`${dir}/.cache/runs`)].map((e) =>
      Deno.readTextFileSync(`${dir}/.cache/runs/${e.name}`)
    );
    const snooped = runs.find((r) => r.includes('"secret"'))!;
    assert.match(snooped, /"secret": "denied"/);
    assert.doesNotMatch(record + snooped, /s3cr3t/);
    // The stage that declared it does get it.
    assert.ok(runs.some((r) => r.includes('"mine": "s3cr3t"')));
  } finally {
    Deno.env.delete("HOSTILE_SECRET");
    await removeHostile(dir);
  }
});

Deno.test("escape: grants from new URL(), reads() and the pipeline file are printed with their source, and status lists them", async () => {
  const asset = stageModule(
    `await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");`,
    { top: `const secret = new URL("/etc/hostname", import.meta.url);` },
  );
  const reads = stageModule(
    `await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");`,
    { extra: `reads: () => ["/etc/hostname"],` },
  );
  const dir = await hostileProject(
    `name: grants
stages:
  asset: { uses: ./asset.ts }
  reads: { uses: ./reads.ts }
  granted:
    uses: ./honest.ts
    permissions: { env: [HOME] }
`,
    { "asset.ts": asset, "reads.ts": reads, "honest.ts": HONEST },
  );
  try {
    const run = await runHostile(dir);
    const warning = (stage: string) =>
      run.warnings.find((w) => w.startsWith(`stage "${stage}"`)) ?? "";
    assert.match(
      warning("asset"),
      /is granted: read \/etc\/hostname \(from its module's code \(an import or new URL\(\)\) outside its folder\)/,
    );
    assert.match(
      warning("reads"),
      /is granted: read \/etc\/hostname \(from its module's reads\(\), though no param names it\)/,
    );
    assert.match(
      warning("granted"),
      /is granted: env HOME \(from the pipeline file's permissions\)/,
    );
    const status = await cli(dir, "status", "pipeline.yaml");
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      /grants read \/etc\/hostname \(from its module's reads\(\)/,
    );
    assert.match(
      status.stdout,
      /grants env HOME \(from the pipeline file's permissions\)/,
    );
  } finally {
    await removeHostile(dir);
  }
});

Deno.test("escape: a data path of the whole file system, the project or the cache is refused, naming the param", async () => {
  const wide = stageModule(
    `await Deno.writeTextFile(\`\${ctx.outDir}/x\`, "");`,
    {
      params: "z.strictObject({ data: z.string() })",
      extra: `reads: (p) => [p.data],`,
    },
  );
  for (
    const [data, why] of [
      ["/", "the root of the file system"],
      [".", "the cache or a folder that holds it"],
      [".cache", "the cache or a folder that holds it"],
    ]
  ) {
    const dir = await hostileProject(
      `name: wide
stages:
  wide:
    uses: ./wide.ts
    with: { data: "${data}" }
`,
      { "wide.ts": wide },
    );
    try {
      await Deno.mkdir(`${dir}/.cache`, { recursive: true });
      await assert.rejects(
        loadPipeline(`${dir}/pipeline.yaml`),
        (error: Error) => {
          assert.ok(error instanceof ConfigError);
          assert.match(
            error.message,
            new RegExp(
              `pipeline\\.yaml:5:\\d+: Cannot give stage "wide" the data path "${
                data.replace(".", "\\.")
              }": it is ${why}`,
            ),
          );
          return true;
        },
      );
    } finally {
      await removeHostile(dir);
    }
  }
});

Deno.test("escape: a module that exits, or hangs ignoring SIGTERM, while it is described fails clearly and in time", async () => {
  const exits = `Deno.exit(0);\n`;
  const hangs = `Deno.addSignalListener("SIGTERM", () => {});
await new Promise(() => setInterval(() => {}, 1000));
`;
  for (
    const [source, message] of [
      [
        exits,
        /Cannot load stage "bad": its module exited with code 0 before it answered/,
      ],
      [
        hangs,
        /Cannot load stage "bad": it did not finish within 1\.5 s and was ended/,
      ],
    ] as const
  ) {
    const dir = await hostileProject(
      `name: probe
stages:
  bad: { uses: ./bad.ts }
`,
      { "bad.ts": source },
    );
    try {
      const started = performance.now();
      await assert.rejects(
        loadPipeline(`${dir}/pipeline.yaml`, { probeTimeoutMs: 1500 }),
        message,
      );
      assert.ok(performance.now() - started < 15_000, "ended in time");
    } finally {
      await removeHostile(dir);
    }
  }
});

Deno.test("escape: a stage that tries to start a process is told it may not", async () => {
  const spawns = stageModule(`
    const { execSync } = await import("node:child_process");
    execSync("id");
`);
  const dir = await hostileProject(
    `name: spawn
stages:
  spawns: { uses: ./spawns.ts }
`,
    { "spawns.ts": spawns },
  );
  try {
    const error = failureOf(await runHostile(dir), "spawns");
    assert.equal(error.message, 'Stage "spawns" tried to start a process');
    assert.match(error.hint ?? "", /stages may not start processes/);
  } finally {
    await removeHostile(dir);
  }
});
