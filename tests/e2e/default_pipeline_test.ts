/**
 * The proof the README promises: the default pipeline, run as a newcomer runs
 * it (the CLI on pipeline.yaml, with an empty cache), reaches the accuracy
 * floor on the 2,000 held-out test images; a second run runs nothing; and a
 * changed train param makes exactly train, evaluate and plot stale.
 *
 * @module
 */
import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const FLOOR = 0.85;

async function cli(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}/main.ts`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return { code, out: decoder.decode(stdout) + decoder.decode(stderr) };
}

Deno.test("the default pipeline reaches the accuracy floor, then re-runs nothing; a train param invalidates exactly train, evaluate and plot", async () => {
  // A fresh project folder: the real pipeline.yaml and data, an empty cache.
  const dir = await Deno.makeTempDir({ prefix: "default-pipeline-" });
  try {
    await Deno.copyFile(`${ROOT}/pipeline.yaml`, `${dir}/pipeline.yaml`);
    await Deno.symlink(`${ROOT}/data`, `${dir}/data`);

    const first = await cli(dir, "run", "pipeline.yaml");
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /6 ran, 0 cached/);
    const metrics = JSON.parse(
      await Deno.readTextFile(`${dir}/outputs/evaluate/metrics.json`),
    );
    assert.equal(metrics.queries, 2000);
    assert.ok(
      metrics.classifier.topk["1"] >= FLOOR,
      `holdout top-1 ${metrics.classifier.topk["1"]} is below ${FLOOR}`,
    );
    for (
      const file of [
        "report.html",
        "loss.png",
        "accuracy_top1.png",
        "lr_schedule.png",
        "batch_grid.png",
      ]
    ) {
      assert.ok(
        (await Deno.stat(`${dir}/outputs/plot/${file}`)).size > 0,
        file,
      );
    }

    // The logs hold what the stages said, not library banners or downloads.
    for (const stage of ["model", "train", "evaluate"]) {
      const log = await Deno.readTextFile(`${dir}/outputs/${stage}.log`);
      assert.doesNotMatch(
        log,
        /looks like you are running TensorFlow\.js|Download https/,
        stage,
      );
    }

    const second = await cli(dir, "run", "pipeline.yaml");
    assert.equal(second.code, 0, second.out);
    assert.match(second.out, /0 ran, 6 cached/);

    const yaml = await Deno.readTextFile(`${dir}/pipeline.yaml`);
    assert.ok(yaml.includes("      batch_size: 256\n"));
    await Deno.writeTextFile(
      `${dir}/pipeline.yaml`,
      yaml.replace("      batch_size: 256\n", "      batch_size: 128\n"),
    );
    const status = await cli(dir, "status", "pipeline.yaml");
    assert.equal(status.code, 0, status.out);
    const state = (stage: string) =>
      status.out.match(new RegExp(`^  ${stage} +(\\w+)`, "m"))?.[1];
    assert.deepEqual(
      ["ingest", "decode", "model", "train", "evaluate", "plot"].map(state),
      ["cached", "cached", "cached", "stale", "stale", "stale"],
    );
    assert.match(status.out, /train +stale: param batch_size: 256 → 128/);
  } finally {
    await new Deno.Command("chmod", { args: ["-R", "u+w", dir] }).output();
    await Deno.remove(dir, { recursive: true });
  }
});
