import assert from "node:assert/strict";
import { makeToyProject, removeToy } from "../_toy_project.ts";
import { ConfigError, loadPipeline } from "../../../mod.ts";

/** Loads `yaml` in a toy project and returns the problems as "line:col message | hint". */
async function problems(yaml: string): Promise<string[]> {
  const dir = await makeToyProject(yaml);
  try {
    let error: unknown;
    await loadPipeline(`${dir}/pipeline.yaml`).catch((e) => error = e);
    assert.ok(
      error instanceof ConfigError,
      `expected a ConfigError, got ${error}`,
    );
    return error.problems.map((p) =>
      `${p.at.line}:${p.at.column} ${p.message}${p.hint ? ` | ${p.hint}` : ""}`
    );
  } finally {
    await removeToy(dir);
  }
}

Deno.test("loadPipeline() reports an unknown top-level key with the closest name, and keeps checking", async () => {
  assert.deepStrictEqual(
    await problems(`name: x
seeed: 3
stages:
  gen:
    uses: ./gen.ts
    needs: [nope]
`),
    [
      '2:1 Cannot use unknown key "seeed" | did you mean "seed"?',
      '6:13 Cannot find stage "nope" named in needs | stages in this pipeline: gen',
    ],
  );
});

Deno.test("loadPipeline() reports a misspelt param of a stage with the closest param name", async () => {
  assert.deepStrictEqual(
    await problems(`name: x
stages:
  gen:
    uses: ./gen.ts
    with:
      cuont: 3
`),
    ['6:7 Cannot use unknown key "cuont" | did you mean "count"?'],
  );
});

Deno.test("loadPipeline() reports a param of the wrong type at its value", async () => {
  assert.deepStrictEqual(
    await problems(`name: x
stages:
  gen:
    uses: ./gen.ts
    with: { count: three }
`),
    ['5:20 Cannot use the value of "count": expected number, got string'],
  );
});

Deno.test("loadPipeline() reports an unknown built-in stage and an unknown module path", async () => {
  const found = await problems(`name: x
stages:
  a:
    uses: modle
  b:
    uses: ./missing_stage.ts
`);
  assert.deepStrictEqual(found.length, 2);
  assert.deepStrictEqual(
    found[0].startsWith(
      '4:11 Cannot find built-in stage "modle" | did you mean "model"?',
    ),
    true,
    found[0],
  );
  assert.deepStrictEqual(
    found[1].startsWith('6:11 Cannot find stage module "./missing_stage.ts"'),
    true,
    found[1],
  );
});

Deno.test("loadPipeline() reports a duplicate key", async () => {
  assert.deepStrictEqual(
    await problems(`name: x
stages:
  gen:
    uses: ./gen.ts
  gen:
    uses: ./gen.ts
`),
    ["5:3 Cannot parse YAML: Map keys must be unique | each key may appear once per mapping; merge or rename the duplicate"],
  );
});

Deno.test("loadPipeline() reports bad indentation at the over-indented line", async () => {
  assert.deepStrictEqual(
    await problems(`name: x
stages:
  gen:
    uses: ./gen.ts
      with: {}
`),
    [
      "5:7 Cannot parse YAML: this line is indented deeper than the key above it allows | keys of one mapping must line up; nest a mapping two spaces deeper than its parent key",
    ],
  );
});

Deno.test("loadPipeline() reports a cycle in needs", async () => {
  assert.deepStrictEqual(
    await problems(`name: x
stages:
  a:
    uses: ./cat.ts
    needs: { gen: b }
  b:
    uses: ./cat.ts
    needs: { gen: a }
`),
    ['5:12 Cannot order stages: "a" → "b" → "a" form a cycle | remove one of these `needs` so the stages can run one after another'],
  );
});

Deno.test("loadPipeline() reports an input left unconnected and a needs entry the stage does not take", async () => {
  assert.deepStrictEqual(
    await problems(`name: x
stages:
  gen:
    uses: ./gen.ts
  lonely:
    uses: ./cat.ts
  extra:
    uses: ./cat.ts
    needs: [gen, lonely]
`),
    [
      '5:3 Cannot run stage "lonely": its input "gen" is not connected | add needs: [gen] (a stage named "gen") or needs: { gen: <stage> }; it expects numbered files',
      '9:12 Cannot pass "lonely" to stage "extra" as input "lonely": the stage has no such input | its inputs are "gen"; map one with needs: { gen: lonely }',
    ],
  );
});

Deno.test("loadPipeline() accepts a valid pipeline and applies the stage's param defaults", async () => {
  const dir = await makeToyProject();
  try {
    const pipeline = await loadPipeline(`${dir}/pipeline.yaml`);
    assert.deepStrictEqual(pipeline.stages.map((s) => s.name), [
      "gen",
      "cat",
      "tail",
      "gen2",
    ]);
    assert.deepStrictEqual(pipeline.stages[0].description.params, {
      count: 3,
      text: "n",
    });
    assert.deepStrictEqual(pipeline.stages[2].needs, { gen: "cat" });
    assert.deepStrictEqual(pipeline.seed, 7);
  } finally {
    await removeToy(dir);
  }
});

Deno.test("loadPipeline() reports a missing data path at the param that names it", async () => {
  const copyStage =
    new URL("../../testdata/copy_dir_stage.ts", import.meta.url).pathname;
  const found = await problems(`name: x
stages:
  data:
    uses: ${copyStage}
    with:
      from: datasets/not-downloaded-yet
`);
  assert.equal(found.length, 1);
  assert.match(
    found[0],
    /^6:13 Cannot find data path "datasets\/not-downloaded-yet" of stage "data" \(looked at \/.*\/datasets\/not-downloaded-yet\) \| check the path; relative paths start at the folder of the pipeline file$/,
  );
});

Deno.test("loadPipeline() reads executor, remote and cache_locks, and reports a bad one at its value", async () => {
  const dir = await makeToyProject(`name: x
executor: { slurm: { partition: gpu, sbatch_args: ["--account=ml"] } }
remote: { url: "https://cache.example/arcface", token_env: CACHE_TOKEN, read_only: true }
cache_locks: lease
stages:
  gen: { uses: ./gen.ts }
`);
  try {
    const pipeline = await loadPipeline(`${dir}/pipeline.yaml`);
    assert.deepStrictEqual(pipeline.executor, {
      kind: "slurm",
      partition: "gpu",
      sbatchArgs: ["--account=ml"],
    });
    assert.deepStrictEqual(pipeline.remote, {
      url: "https://cache.example/arcface",
      tokenEnv: "CACHE_TOKEN",
      readOnly: true,
    });
    assert.equal(pipeline.cacheLocks, "lease");
  } finally {
    await removeToy(dir);
  }
  const plain = await makeToyProject(`name: x
executor: slurm
remote: http://127.0.0.1:9/cache
stages:
  gen: { uses: ./gen.ts }
`);
  try {
    const pipeline = await loadPipeline(`${plain}/pipeline.yaml`);
    assert.deepStrictEqual(pipeline.executor, {
      kind: "slurm",
      sbatchArgs: [],
    });
    assert.deepStrictEqual(pipeline.remote, {
      url: "http://127.0.0.1:9/cache",
      readOnly: false,
    });
    assert.equal(pipeline.cacheLocks, "auto");
  } finally {
    await removeToy(plain);
  }
  const [remote] = await problems(`name: x
remote: ftp://cache.example
stages:
  gen: { uses: ./gen.ts }
`);
  assert.match(remote, /^2:9 .*http:\/\/ or https:\/\/ URL/);
});
