/**
 * Runner overhead, measured side by side in one run:
 *   (a) a fully cached re-run of a 6-stage pipeline through the CLI, minus a
 *       bare `deno run` of an empty script (goal: at most 150 ms);
 *   (b) first-time hashing of 1 GiB in 10,000 files, next to `sha256sum` on
 *       the same files (goal: at least 1 GB/s);
 *   (c) the status check of that unchanged input through the stat cache,
 *       in-process and as `deno task status` (goal: at most 100 ms);
 *   (d) the fully cached re-run of (a) through the Slurm executor, on a
 *       one-node cluster started here (it must submit nothing);
 *   (e) the same re-run from a remote cache (nginx WebDAV on loopback)
 *       with its objects already local (only the run records come over),
 *       and (f) with nothing local (every object comes over).
 * (d)–(f) are skipped, with the reason, where Slurm or nginx cannot start.
 *
 * @module
 */
import {
  makeToyProject,
  removeToy,
  ROOT,
} from "../tests/runner/_toy_project.ts";
import { lazyFileHasher } from "../runner/cache/digest.ts";
import { hashTree } from "../runner/cache/hash_tree.ts";
import { StatCache } from "../runner/cache/stat_cache.ts";
import { startSlurmCluster } from "../tests/testdata/slurm_cluster.ts";
import { startWebdavServer } from "../tests/testdata/webdav_server.ts";

const RUNS = 15;
/** Runs of each cluster and remote measure. */
const CLUSTER_RUNS = 7;
const FILES = 10_000;
const TOTAL_BYTES = 1 << 30;
const TASK_FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
  "--allow-net", // the remote cache
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeCommand(args: string[], cwd: string): Promise<number> {
  const start = performance.now();
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `deno ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`,
    );
  }
  return performance.now() - start;
}

async function timeShell(command: string, cwd: string): Promise<number> {
  const start = performance.now();
  const { code } = await new Deno.Command("sh", {
    args: ["-c", command],
    cwd,
    stdout: "null",
  }).output();
  if (code !== 0) throw new Error(`${command} failed`);
  return performance.now() - start;
}

const SIX_STAGES = `name: six
stages:
  a: { uses: ./gen.ts, with: { count: 20 } }
  b: { uses: ./cat.ts, needs: { gen: a } }
  c: { uses: ./cat.ts, needs: { gen: b } }
  d: { uses: ./gen.ts, with: { text: d } }
  e: { uses: ./cat.ts, needs: { gen: d } }
  f: { uses: ./cat.ts, needs: { gen: c } }
`;

const dir = await makeToyProject(SIX_STAGES);
try {
  // (a) cached re-run overhead
  await Deno.writeTextFile(`${dir}/empty.ts`, "");
  await timeCommand([
    "run",
    ...TASK_FLAGS,
    `${ROOT}/main.ts`,
    "run",
    "pipeline.yaml",
  ], dir); // first run: everything runs
  const cached: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(await timeCommand(["run", "empty.ts"], dir));
    cached.push(
      await timeCommand([
        "run",
        ...TASK_FLAGS,
        `${ROOT}/main.ts`,
        "run",
        "pipeline.yaml",
      ], dir),
    );
  }
  const overhead = median(cached) - median(bare);
  const cluster = await clusterMeasures(dir, median(bare));

  // (b) first-time hashing of 1 GiB in 10,000 files
  const data = `${dir}/data`;
  const perFile = Math.floor(TOTAL_BYTES / FILES);
  const chunk = new Uint8Array(perFile);
  for (let i = 0; i < FILES; i++) {
    if (i % 100 === 0) {
      await Deno.mkdir(`${data}/d${i / 100}`, { recursive: true });
    }
    crypto.getRandomValues(chunk.subarray(0, 65536));
    chunk[65536 + (i % 1000)] = i & 0xff;
    await Deno.writeFile(`${data}/d${Math.floor(i / 100)}/f${i}.bin`, chunk);
  }
  // Let the files age past the stat cache's racy window.
  await new Promise((r) => setTimeout(r, 2500));
  const bytes = perFile * FILES;
  const statPath = `${dir}/bench-stat.json`;
  let start = performance.now();
  const cold = StatCache.open(statPath);
  await hashTree(data, { statCache: cold, hasher: lazyFileHasher() });
  const hashMs = performance.now() - start;
  await cold.save();
  const sha256sumMs = await timeShell(
    "find data -type f -print0 | xargs -0 sha256sum > /dev/null",
    dir,
  );

  // (c) status of the unchanged input through the stat cache
  start = performance.now();
  const warm = StatCache.open(statPath);
  await hashTree(data, { statCache: warm, hasher: lazyFileHasher() });
  const warmMs = performance.now() - start;
  await Deno.writeTextFile(
    `${dir}/data.yaml`,
    `name: data\nstages:\n  read:\n    uses: ./cat.ts\n    needs: [gen]\n    permissions: { read: [data] }\n  gen:\n    uses: ./gen.ts\n`,
  );
  await timeCommand([
    "run",
    ...TASK_FLAGS,
    `${ROOT}/main.ts`,
    "run",
    "data.yaml",
  ], dir); // hashes the data once
  const statusRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    statusRuns.push(
      await timeCommand([
        "run",
        ...TASK_FLAGS,
        `${ROOT}/main.ts`,
        "status",
        "data.yaml",
      ], dir),
    );
  }
  const statusOverhead = median(statusRuns) - median(bare);

  const gbps = (ms: number) => (bytes / (ms / 1000) / 1e9).toFixed(2);
  const row = (label: string, value: string, goal: string, ok: boolean) =>
    console.log(
      `${label.padEnd(58)} ${value.padStart(12)}   goal ${goal.padEnd(10)} ${
        ok ? "met" : "MISSED"
      }`,
    );
  console.log(`runner overhead (median of ${RUNS} runs, ${Deno.version.deno})`);
  console.log(
    `  bare 'deno run empty.ts': ${
      median(bare).toFixed(0)
    } ms; cached 6-stage run: ${median(cached).toFixed(0)} ms`,
  );
  row(
    "(a) cached re-run of 6 stages, minus bare deno start",
    `${overhead.toFixed(0)} ms`,
    "<= 150 ms",
    overhead <= 150,
  );
  row(
    `(b) first hashing of ${
      (bytes / 2 ** 30).toFixed(2)
    } GiB in ${FILES} files`,
    `${gbps(hashMs)} GB/s`,
    ">= 1 GB/s",
    bytes / (hashMs / 1000) >= 1e9,
  );
  row(
    "    sha256sum on the same files (peer)",
    `${gbps(sha256sumMs)} GB/s`,
    "",
    true,
  );
  console.log(
    `    ratio ours / sha256sum: ${(sha256sumMs / hashMs).toFixed(2)}x`,
  );
  row(
    "(c) status of the unchanged input, stat cache, in-process",
    `${warmMs.toFixed(0)} ms`,
    "<= 100 ms",
    warmMs <= 100,
  );
  row(
    "    'deno task status' on it, minus bare deno start",
    `${statusOverhead.toFixed(0)} ms`,
    "<= 100 ms",
    statusOverhead <= 100,
  );
  for (const line of cluster) console.log(line);
} finally {
  await removeToy(dir);
}

/**
 * (d)–(f): the cached re-run of the six stages through the Slurm executor
 * and from a remote cache, each minus a bare deno start, as report lines.
 */
async function clusterMeasures(
  dir: string,
  bareMs: number,
): Promise<string[]> {
  const run = (...args: string[]) =>
    timeCommand([
      "run",
      ...TASK_FLAGS,
      `${ROOT}/main.ts`,
      "run",
      "pipeline.yaml",
      ...args,
    ], dir);
  const lines: string[] = [];
  const line = (label: string, ms: number, note = "") =>
    lines.push(
      `${label.padEnd(58)} ${
        `${(ms - bareMs).toFixed(0)} ms`.padStart(12)
      }   ${note}`,
    );
  const cluster = await startSlurmCluster();
  if (typeof cluster === "string") {
    lines.push(`(d) Slurm executor: skipped (${cluster})`);
  } else {
    try {
      Deno.env.set("SLURM_CONF", cluster.conf);
      const times: number[] = [];
      for (let i = 0; i < CLUSTER_RUNS; i++) {
        times.push(await run("--executor", "slurm"));
      }
      const jobs = new TextDecoder().decode(
        (await new Deno.Command("squeue", {
          args: ["-h", "-t", "all", "-o", "%i"],
          stdout: "piped",
        }).output()).stdout,
      ).trim();
      line(
        "(d) the same through the Slurm executor, minus bare start",
        median(times),
        `${jobs === "" ? "no" : "SOME"} jobs submitted`,
      );
    } finally {
      Deno.env.delete("SLURM_CONF");
      await cluster.stop();
    }
  }
  const server = await startWebdavServer();
  if (typeof server === "string") {
    lines.push(`(e)(f) remote cache: skipped (${server})`);
    return lines;
  }
  try {
    const push = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...TASK_FLAGS,
        `${ROOT}/main.ts`,
        "push",
        "pipeline.yaml",
        "--remote",
        server.url,
      ],
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (push.code !== 0) {
      throw new Error(
        `deno task push failed: ${new TextDecoder().decode(push.stderr)}`,
      );
    }
    const recordsOnly: number[] = [];
    const everything: number[] = [];
    const remoteCache = `${dir}/.cache-remote`;
    for (let i = 0; i < CLUSTER_RUNS; i++) {
      // Objects stay; the records (and heads) must come from the remote.
      await Deno.remove(`${remoteCache}/runs`, { recursive: true }).catch(
        () => {},
      );
      await Deno.remove(`${remoteCache}/heads`, { recursive: true }).catch(
        () => {},
      );
      const ms = await run("--cache", remoteCache, "--remote", server.url);
      if (i > 0) recordsOnly.push(ms); // the first fills the objects
      await new Deno.Command("chmod", {
        args: ["-R", "u+w", `${dir}/.cache-empty`],
      })
        .output().catch(() => {});
      await Deno.remove(`${dir}/.cache-empty`, { recursive: true }).catch(
        () => {},
      );
      everything.push(
        await run("--cache", ".cache-empty", "--remote", server.url),
      );
    }
    line(
      "(e) from a remote cache, objects local, minus bare start",
      median(recordsOnly),
      "6 records over HTTP",
    );
    line(
      "(f) from a remote cache, nothing local, minus bare start",
      median(everything),
      "6 records and every object over HTTP",
    );
  } finally {
    await server.remove();
  }
  return lines;
}
