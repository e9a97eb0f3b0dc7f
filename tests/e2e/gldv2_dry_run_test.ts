import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("pipelines/gldv2-2021.yaml validates, and its dry run prints the plan with what this machine lacks", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      `${ROOT}/main.ts`,
      "run",
      "pipelines/gldv2-2021.yaml",
      "--dry-run",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const out = new TextDecoder().decode(stdout) +
    new TextDecoder().decode(stderr);
  assert.equal(code, 0, out);
  for (
    const stage of ["ingest", "decode", "model", "train", "evaluate", "plot"]
  ) {
    assert.match(out, new RegExp(`○ ${stage} +would-run`));
  }
  assert.match(out, /6 would run, 0 cached/);
  // The three Kaggle parts and the pretrained weights are named where they are missing ...
  for (const part of [1, 2, 3]) {
    assert.match(
      out,
      new RegExp(
        `ingest: Cannot find data path "data/gldv2/landmark-recognition-2021-tfrecords-384-part-${part}"`,
      ),
    );
  }
  // ... and the GPU backend comes with the command that installs it (unless this machine has it).
  const native = await Deno.stat(
    `${ROOT}/node_modules/@tensorflow/tfjs-node-gpu`,
  ).then(() => true, () => false);
  if (!native) {
    assert.match(
      out,
      /train: Cannot use backend "tensorflow-gpu": npm package @tensorflow\/tfjs-node-gpu is not installed/,
    );
    assert.match(
      out,
      /hint: .*deno add npm:@tensorflow\/tfjs-node-gpu@4\.22\.0 && deno install --allow-scripts=npm:@tensorflow\/tfjs-node-gpu/,
    );
  }
  // Nothing ran and nothing was written beside the pipeline.
  await assert.rejects(Deno.stat(`${ROOT}/pipelines/outputs`));
});
