/**
 * A one-node Slurm cluster on loopback, from Debian's packages (slurm-wlm,
 * munge), for tests and benchmarks: a fresh munge key and socket, a
 * generated slurm.conf with free ports and one node (this machine, its
 * cores), munged, slurmctld and slurmd started as root, and all of it
 * stopped by pid afterwards. Memory limits are enforced with cgroup v1's
 * memory controller (task/cgroup) where it is mounted and works, else jobs
 * run under task/none and only the runner's own watchdog ends them.
 *
 * @module
 */

/** A running test cluster. */
export interface SlurmCluster {
  /** The slurm.conf; Slurm's commands find the cluster through `SLURM_CONF`. */
  conf: string;
  /** The environment a Slurm client needs (`SLURM_CONF`). */
  env: Record<string, string>;
  /** The node's name (this host's short name). */
  node: string;
  /** True when Slurm enforces --mem (task/cgroup). */
  memoryEnforced: boolean;
  /** Cancels every job and stops the daemons. */
  stop(): Promise<void>;
}

const DAEMONS = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd"];
const CLIENTS = ["sbatch", "scontrol", "scancel", "sinfo", "squeue"];

/** Why a cluster cannot start here, or undefined when it can. */
export async function slurmUnavailable(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "not root (slurmd and munged need root)";
  for (const path of DAEMONS) {
    try {
      await Deno.stat(path);
    } catch {
      return `${path} is missing (apt-get install slurm-wlm munge)`;
    }
  }
  for (const name of CLIENTS) {
    const found = await run("sh", ["-c", `command -v ${name}`]);
    if (found.code !== 0) {
      return `${name} is missing (apt-get install slurm-wlm)`;
    }
  }
  return undefined;
}

/**
 * Starts a cluster, or returns why it cannot (a reason to print when
 * skipping).
 */
export async function startSlurmCluster(): Promise<SlurmCluster | string> {
  const unavailable = await slurmUnavailable();
  if (unavailable) return unavailable;
  const cgroup = cgroupMemoryWorks();
  const first = await tryStart(cgroup);
  if (typeof first !== "string" || !cgroup) return first;
  // task/cgroup did not come up here: fall back to task/none.
  return await tryStart(false);
}

async function tryStart(cgroup: boolean): Promise<SlurmCluster | string> {
  const dir = await Deno.makeTempDir({ prefix: "slurm-test-" });
  await Deno.chmod(dir, 0o755);
  for (const sub of ["state", "spool", "log", "munge", "run"]) {
    await Deno.mkdir(`${dir}/${sub}`);
  }
  await Deno.chmod(`${dir}/munge`, 0o700);
  await Deno.chmod(`${dir}/run`, 0o755);
  const key = new Uint8Array(1024);
  crypto.getRandomValues(key);
  await Deno.writeFile(`${dir}/munge/key`, key, { mode: 0o400 });
  const node = Deno.hostname().split(".")[0];
  const [ctldPort, slurmdPort] = [freePort(), freePort()];
  const conf = `${dir}/slurm.conf`;
  const memoryMb = Math.floor(Deno.systemMemoryInfo().total / 2 ** 20 * 0.8);
  const cpus = navigator.hardwareConcurrency;
  await Deno.writeTextFile(
    conf,
    [
      `ClusterName=test${ctldPort}`,
      `SlurmctldHost=${node}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      `AuthInfo=socket=${dir}/run/munge.sock`,
      "CredType=cred/munge",
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/run/slurmctld.pid`,
      `SlurmdPidFile=${dir}/run/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      // Job ids of its own, so that two test clusters never share cgroup paths.
      `FirstJobId=${1000 + Math.floor(Math.random() * 9000) * 1000}`,
      cgroup
        ? "ProctrackType=proctrack/cgroup"
        : "ProctrackType=proctrack/linuxproc",
      cgroup ? "TaskPlugin=task/cgroup" : "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core_Memory",
      // Jobs that ask for no memory get a share, so that two run at once.
      `DefMemPerCPU=${Math.floor(memoryMb / cpus / 2)}`,
      "ReturnToService=2",
      "JobAcctGatherType=jobacct_gather/none",
      "MpiDefault=none",
      "KillWait=5",
      "MinJobAge=300",
      "SchedulerParameters=sched_interval=2",
      `NodeName=${node} CPUs=${cpus} RealMemory=${memoryMb} State=UNKNOWN`,
      `PartitionName=main Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(
    `${dir}/cgroup.conf`,
    "CgroupPlugin=cgroup/v1\nCgroupMountpoint=/sys/fs/cgroup\nConstrainRAMSpace=yes\nConstrainSwapSpace=no\n",
  );
  const env = { SLURM_CONF: conf };
  const pids: string[] = [
    `${dir}/run/slurmd.pid`,
    `${dir}/run/slurmctld.pid`,
    `${dir}/run/munged.pid`,
  ];
  const stop = async () => {
    await run("scancel", ["--full", `--partition=main`], env);
    for (let i = 0; i < 40; i++) {
      const queue = await run("squeue", ["-h", "-o", "%i"], env);
      if (queue.code !== 0 || queue.stdout.trim() === "") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const file of pids) await killByPidFile(file);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const munge = await run("/usr/sbin/munged", [
    `--key-file=${dir}/munge/key`,
    `--socket=${dir}/run/munge.sock`,
    `--pid-file=${dir}/run/munged.pid`,
    `--log-file=${dir}/log/munged.log`,
    `--seed-file=${dir}/munge/seed`,
  ]);
  if (munge.code !== 0) {
    await stop();
    return `munged did not start: ${munge.stderr.trim()}`;
  }
  for (const daemon of ["/usr/sbin/slurmctld", "/usr/sbin/slurmd"]) {
    const started = await run(daemon, ["-f", conf], env);
    if (started.code !== 0) {
      await stop();
      return `${daemon} did not start: ${started.stderr.trim()}`;
    }
  }
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const info = await run("sinfo", ["-h", "-o", "%T"], env);
    if (info.stdout.trim() === "idle") {
      return { conf, env, node, memoryEnforced: cgroup, stop };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const log = await Deno.readTextFile(`${dir}/log/slurmd.log`).catch(() => "");
  await stop();
  return `the node did not come up idle: ${
    log.split("\n").slice(-3).join(" | ")
  }`;
}

/** True when this process may make a cgroup v1 memory group and set its limit. */
function cgroupMemoryWorks(): boolean {
  const probe = `/sys/fs/cgroup/memory/slurm-test-probe-${Deno.pid}`;
  try {
    Deno.mkdirSync(probe);
    Deno.writeTextFileSync(`${probe}/memory.limit_in_bytes`, "104857600");
    return true;
  } catch {
    return false;
  } finally {
    try {
      Deno.removeSync(probe);
    } catch { /* never made */ }
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function killByPidFile(path: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await Deno.readTextFile(path)).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    Deno.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  for (let i = 0; i < 40; i++) {
    try {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return;
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* gone */ }
}

async function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const output = await new Deno.Command(command, {
      args,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    return { code: 127, stdout: "", stderr: (error as Error).message };
  }
}
