/**
 * `executor: slurm` against a real one-node Slurm cluster on loopback
 * (Debian's slurm-wlm and munge, started by tests/testdata/slurm_cluster.ts
 * and stopped afterwards). Skipped, with the reason printed, where the
 * cluster cannot start (not root, packages missing); CI installs them.
 *
 * One cluster serves every step. The time-limit case waits for Slurm's own
 * limit (a minute at least), so it runs in the background from the start;
 * the node-failure case takes the node down, so it comes after it.
 */
import assert from "node:assert/strict";
import { cli, makeToyProject, removeToy, ROOT } from "../_toy_project.ts";
import {
  type SlurmCluster,
  slurmUnavailable,
  startSlurmCluster,
} from "../../testdata/slurm_cluster.ts";
import { writeTinyIdx } from "../../testdata/tiny_idx.ts";

const unavailable = await slurmUnavailable();
if (unavailable) {
  console.log(`  skipping the Slurm executor tests: ${unavailable}`);
}

/** A real pipeline, small enough for seconds: ingest → decode (sharp, under bubblewrap) → model → train → evaluate. */
const SMALL = `name: small
stages:
  ingest: { uses: ingest, with: { source: { idx: data }, holdout: test } }
  decode: { uses: decode, needs: [ingest], with: { img_size: 32 } }
  model:
    uses: model
    needs: [ingest]
    with: { backbone: efficientnetv2-pico, img_size: 32 }
  train:
    uses: train
    needs: [decode, model]
    with: { epochs: 12, batch_size: 16, backend: wasm, replicas: 1 }
  evaluate: { uses: evaluate, needs: [train, decode], with: { backend: wasm } }
`;

const HOG = `
import { defineStage, z } from "${ROOT}/stage.ts";
export default defineStage({
  description: "fills memory",
  params: z.strictObject({ mib: z.int() }),
  async run(ctx) {
    const kept = [];
    for (let i = 0; i < ctx.params.mib; i++) {
      kept.push(new Uint8Array(1 << 20).fill(1));
      if (i % 16 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await Deno.writeTextFile(\`\${ctx.outDir}/n\`, String(kept.length));
  },
});
`;

async function waitFor(
  what: string,
  predicate: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The real CLI in the background, its output collected. */
function spawnCli(cwd: string, ...args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}/main.ts`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const done = child.output().then((o) => ({
    code: o.code,
    out: new TextDecoder().decode(o.stdout) +
      new TextDecoder().decode(o.stderr),
  }));
  return { child, done };
}

async function slurm(...args: string[]): Promise<string> {
  const [command, ...rest] = args;
  const output = await new Deno.Command(command, {
    args: rest,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return new TextDecoder().decode(output.stdout) +
    new TextDecoder().decode(output.stderr);
}

/** Jobs the cluster knows whose name starts with `pipeline:` (finished ones stay for MinJobAge). */
async function jobsOf(pipeline: string): Promise<string[]> {
  const text = await slurm("scontrol", "show", "job", "-o");
  return text.split("\n").filter((line) =>
    line.includes(` JobName=${pipeline}:`)
  );
}

interface Manifest {
  files: { path: string; digest: string }[];
}

/** The files (path → digest, `_run.json` left out) of `stage`'s latest run in a cache. */
async function outputOf(
  cacheDir: string,
  stage: string,
): Promise<Record<string, string>> {
  for await (const entry of Deno.readDir(`${cacheDir}/runs`)) {
    const record = JSON.parse(
      await Deno.readTextFile(`${cacheDir}/runs/${entry.name}`),
    );
    if (record.facets.stage !== stage) continue;
    const a = record.artifact as string;
    const manifest = JSON.parse(
      await Deno.readTextFile(
        `${cacheDir}/objects/${a.slice(0, 2)}/${a.slice(2)}`,
      ),
    ) as Manifest;
    return Object.fromEntries(
      manifest.files.filter((f) => f.path !== "_run.json").map((f) => [
        f.path,
        f.digest,
      ]),
    );
  }
  throw new Error(`no run of ${stage} in ${cacheDir}`);
}

/** history.json's epochs without their timings. */
async function historyOf(treeFile: string): Promise<unknown> {
  const history = JSON.parse(await Deno.readTextFile(treeFile));
  const strip = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(strip)
      : value && typeof value === "object"
      ? Object.fromEntries(
        Object.entries(value).filter(([k]) =>
          k !== "seconds" && k !== "imagesPerSecond"
        ).map(([k, v]) => [k, strip(v)]),
      )
      : value;
  return strip(history);
}

async function timeLimitCase(): Promise<{ code: number; out: string }> {
  const dir = await makeToyProject(`name: timelimit
executor: { slurm: { sbatch_args: ["--time=1"] } }
stages:
  gen: { uses: ./gen.ts }
  cat: { uses: ./cat.ts, needs: [gen], with: { sleep_ms: 300000 } }
`);
  try {
    return await cli(dir, "run").then((r) => ({
      code: r.code,
      out: r.stdout + r.stderr,
    }));
  } finally {
    await removeToy(dir);
  }
}

Deno.test({
  name: "executor: slurm on a one-node cluster",
  ignore: unavailable !== undefined,
  async fn(t) {
    const started = await startSlurmCluster();
    if (typeof started === "string") throw new Error(started);
    const cluster: SlurmCluster = started;
    Deno.env.set("SLURM_CONF", cluster.conf);
    const timeLimit = timeLimitCase();
    const small = await Deno.makeTempDir({ prefix: "slurm-small-" });
    await writeTinyIdx(`${small}/data`);
    await Deno.writeTextFile(`${small}/pipeline.yaml`, SMALL);
    try {
      await t.step(
        "a real pipeline as Slurm jobs gives the same artifacts as the local executor, and a second run submits nothing",
        async () => {
          const local = await cli(small, "run", "--cache", ".cache-local");
          assert.equal(local.code, 0, local.stdout + local.stderr);
          const onSlurm = await cli(
            small,
            "run",
            "--executor",
            "slurm",
            "--cache",
            ".cache-slurm",
          );
          assert.equal(onSlurm.code, 0, onSlurm.stdout + onSlurm.stderr);
          assert.match(onSlurm.stdout, /5 ran, 0 cached/);
          for (
            const stage of ["ingest", "decode", "model", "train", "evaluate"]
          ) {
            assert.match(
              onSlurm.stdout,
              new RegExp(`✓ ${stage} +ran .*slurm job \\d+ on ${cluster.node}`),
            );
            const a = await outputOf(`${small}/.cache-local`, stage);
            const b = await outputOf(`${small}/.cache-slurm`, stage);
            // Training writes its timings beside its results: compare the rest.
            for (const timed of ["history.json", "best/checkpoint.json"]) {
              delete a[timed];
              delete b[timed];
            }
            assert.deepEqual(b, a, `stage ${stage}`);
          }
          assert.deepEqual(
            await historyOf(`${small}/outputs/train/history.json`),
            await historyOf(
              `${small}/.cache-local/trees/${
                (await Array.fromAsync(
                  Deno.readDir(`${small}/.cache-local/runs`),
                ))
                  .map((e) =>
                    JSON.parse(
                      Deno.readTextFileSync(
                        `${small}/.cache-local/runs/${e.name}`,
                      ),
                    )
                  ).find((r) => r.facets.stage === "train").artifact
              }/history.json`,
            ),
          );
          const submitted = (await jobsOf("small")).length;
          assert.equal(submitted, 5);
          const again = await cli(
            small,
            "run",
            "--executor",
            "slurm",
            "--cache",
            ".cache-slurm",
          );
          assert.equal(again.code, 0, again.stderr);
          assert.match(again.stdout, /0 ran, 5 cached/);
          assert.equal(
            (await jobsOf("small")).length,
            submitted,
            "nothing submitted",
          );
          const status = await cli(small, "status", "--cache", ".cache-slurm");
          assert.match(
            status.stdout,
            new RegExp(`train +cached, ran slurm job \\d+ on ${cluster.node}`),
          );
        },
      );

      await t.step(
        "a stage past its memory limit fails with Slurm's reason and the key that raises the limit",
        async () => {
          const dir = await makeToyProject(`name: hog
executor: slurm
stages:
  hog: { uses: ./hog.ts, with: { mib: 3000 }, resources: { memory: 300MiB } }
`);
          try {
            await Deno.writeTextFile(`${dir}/hog.ts`, HOG);
            const { code, stdout, stderr } = await cli(dir, "run");
            assert.equal(code, 1, stdout);
            assert.match(
              stderr,
              cluster.memoryEnforced
                ? /Stage "hog" ran out of its 300 MiB memory limit and was ended \(Slurm job \d+ on \S+: OUT_OF_MEMORY, OutOfMemory\)/
                : /Stage "hog" ran out of its 300 MiB memory limit and was ended \(Slurm job \d+ on \S+\)/,
            );
            assert.match(
              stderr,
              /hint: raise stages\.hog\.resources\.memory in pipeline\.yaml/,
            );
            const [job] = await jobsOf("hog");
            assert.match(job, /MinMemoryNode=300M/);
          } finally {
            await removeToy(dir);
          }
        },
      );

      await t.step(
        "scancel of a running train job fails the stage with Slurm's reason; a re-run resumes from its last epoch and ends with the same weights",
        async () => {
          const cache = `${small}/.cache-cancel`;
          const run = spawnCli(
            small,
            "run",
            "--executor",
            "slurm",
            "--cache",
            ".cache-cancel",
          );
          let epochs = 0;
          let key = "";
          await waitFor("three epochs of train", async () => {
            try {
              for await (const entry of Deno.readDir(`${cache}/checkpoints`)) {
                const saved = JSON.parse(
                  await Deno.readTextFile(
                    `${cache}/checkpoints/${entry.name}/last/checkpoint.json`,
                  ),
                );
                epochs = saved.state.history.length;
                key = entry.name;
              }
            } catch { /* not yet, or mid-save */ }
            return epochs >= 3;
          }, 120_000);
          const jobId = (await Deno.readTextFile(`${cache}/jobs/${key}/job_id`))
            .trim();
          await slurm("scancel", jobId);
          const cancelled = await run.done;
          assert.equal(cancelled.code, 1, cancelled.out);
          assert.match(
            cancelled.out,
            new RegExp(
              `Stage "train" was cancelled in Slurm \\(scancel, or an administrator\\) \\(Slurm job ${jobId} on \\S+: CANCELLED`,
            ),
          );
          assert.match(
            cancelled.out,
            /hint: run again; training resumes from its last finished epoch/,
          );
          const rerun = await cli(
            small,
            "run",
            "--executor",
            "slurm",
            "--cache",
            ".cache-cancel",
          );
          assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
          assert.match(
            rerun.stdout,
            /train: resuming its interrupted run from the checkpoint/,
          );
          const resumedAfter = Number(
            (await Deno.readTextFile(`${small}/outputs/train.log`)).match(
              /resuming after epoch (\d+) of 12/,
            )?.[1],
          );
          assert.ok(
            resumedAfter >= epochs,
            `resumed after ${resumedAfter}, cancelled after ${epochs}`,
          );
          const local = await outputOf(`${small}/.cache-local`, "train");
          const resumed = await outputOf(cache, "train");
          assert.equal(resumed["best/weights.bin"], local["best/weights.bin"]);
          assert.equal(
            resumed["best/optimizer.bin"],
            local["best/optimizer.bin"],
          );
        },
      );

      await t.step(
        "two runners on one shared cache (lease locks) never run a stage twice",
        async () => {
          const dir = await makeToyProject(`name: shared
executor: slurm
cache_locks: lease
stages:
  gen: { uses: ./gen.ts }
  cat: { uses: ./cat.ts, needs: [gen], with: { sleep_ms: 1500 } }
  tail: { uses: ./cat.ts, needs: { gen: cat } }
`);
          try {
            const [a, b] = await Promise.all([
              cli(dir, "run"),
              cli(dir, "run"),
            ]);
            assert.deepEqual([a.code, b.code], [0, 0], a.stderr + b.stderr);
            const ran = (out: string) =>
              [...out.matchAll(/^✓ (\w+) +ran/gm)].map((m) => m[1]);
            assert.deepEqual([...ran(a.stdout), ...ran(b.stdout)].sort(), [
              "cat",
              "gen",
              "tail",
            ]);
            assert.equal((await jobsOf("shared")).length, 3);
            assert.equal(
              await Deno.readTextFile(`${dir}/outputs/tail/all.txt`),
              "#n0\n#n1\n#n2\n",
            );
          } finally {
            await removeToy(dir);
          }
        },
      );

      await t.step(
        "a job past the time limit Slurm gave it fails with TIMEOUT and the key to set",
        async () => {
          const { code, out } = await timeLimit;
          assert.equal(code, 1, out);
          assert.match(
            out,
            /Stage "cat" ran past the time limit Slurm gave its job .*and was ended \(Slurm job \d+ on \S+: TIMEOUT, TimeLimit\)/,
          );
          assert.match(out, /hint: set stages\.cat\.resources\.time/);
        },
      );
      await t.step(
        "a job lost with its node fails the stage with NODE_FAIL; an interrupted run cancels its job; the job of a killed runner is cancelled by the next run",
        async () => {
          const dir = await makeToyProject(`name: lost
executor: slurm
stages:
  gen: { uses: ./gen.ts }
  cat: { uses: ./cat.ts, needs: [gen], with: { sleep_ms: 120000, marker: started } }
`);
          const catStarted = async () => {
            try {
              for await (const entry of Deno.readDir(`${dir}/.cache/staging`)) {
                await Deno.stat(`${dir}/.cache/staging/${entry.name}/started`);
                return true;
              }
            } catch { /* not yet */ }
            return false;
          };
          const catJob = async () => {
            for await (const entry of Deno.readDir(`${dir}/.cache/jobs`)) {
              const spec = JSON.parse(
                await Deno.readTextFile(
                  `${dir}/.cache/jobs/${entry.name}/job.json`,
                ),
              );
              if (spec.job.stage === "cat") {
                return (await Deno.readTextFile(
                  `${dir}/.cache/jobs/${entry.name}/job_id`,
                )).trim();
              }
            }
            throw new Error("no job of cat");
          };
          try {
            const lost = spawnCli(dir, "run");
            await waitFor("cat to start", catStarted, 60_000);
            try {
              await slurm(
                "scontrol",
                "update",
                `nodename=${cluster.node}`,
                "state=down",
                "reason=test",
              );
              const result = await lost.done;
              assert.equal(result.code, 1, result.out);
              assert.match(
                result.out,
                /Stage "cat" was lost with its node \(Slurm job \d+ on \S+: NODE_FAIL, NodeDown\)/,
              );
              assert.match(
                result.out,
                /hint: run again: Slurm picks a node that is up/,
              );
            } finally {
              await slurm(
                "scontrol",
                "update",
                `nodename=${cluster.node}`,
                "state=resume",
              );
              await waitFor(
                "the node to be back",
                async () =>
                  /idle|mix|alloc/.test(await slurm("sinfo", "-h", "-o", "%T")),
                60_000,
              );
            }

            const interrupted = spawnCli(dir, "run");
            await waitFor("cat to start again", catStarted, 60_000);
            const jobId = await catJob();
            interrupted.child.kill("SIGINT");
            const result = await interrupted.done;
            assert.equal(result.code, 130, result.out);
            assert.match(
              result.out,
              /Stage "cat" was cancelled: the run was interrupted \(Slurm job \d+/,
            );
            assert.match(
              await slurm("scontrol", "show", "job", "-o", jobId),
              /JobState=CANCELLED/,
            );

            // A runner killed outright leaves its job running; the next run
            // that takes the stage's lock cancels it before submitting anew.
            const killed = spawnCli(dir, "run");
            await waitFor("cat to start a third time", catStarted, 60_000);
            const orphan = await catJob();
            killed.child.kill("SIGKILL");
            await killed.done;
            assert.match(
              await slurm("scontrol", "show", "job", "-o", orphan),
              /JobState=RUNNING/,
            );
            const next = spawnCli(dir, "run");
            await waitFor("the leftover job to be replaced", async () => {
              const now = await catJob().catch(() => orphan);
              return now !== orphan &&
                /JobState=CANCELLED/.test(
                  await slurm("scontrol", "show", "job", "-o", orphan),
                );
            }, 60_000);
            next.child.kill("SIGINT");
            assert.equal((await next.done).code, 130);
          } finally {
            await removeToy(dir);
          }
        },
      );
    } finally {
      await timeLimit.catch(() => {});
      await cluster.stop();
      Deno.env.delete("SLURM_CONF");
      await removeToy(small);
    }
  },
});
