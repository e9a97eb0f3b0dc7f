/**
 * The batch script's program, run by Slurm on whichever node it picked:
 * reads the job folder's job file, spawns the stage host exactly as the
 * local executor does (the same permissions, the same sandbox, bubblewrap
 * where the node has it, the same memory and time limits), copies its
 * stdout and stderr into the job folder as they come, and writes how it
 * ended. It commits nothing: the runner reads the output and commits it.
 *
 * Usage: deno run --allow-all _slurm_job.ts <job folder>
 *
 * @module
 */
import { atomicWrite } from "../../cache/atomic_write.ts";
import { DEFAULT_MEMORY_SHARE } from "../../resources.ts";
import { childBaseEnv } from "../child_env.ts";
import { spawnSandboxed } from "../sandbox.ts";
import { STAGE_HOST } from "../stage_process.ts";
import { superviseProcess } from "../supervise_process.ts";
import {
  JOB_FILES,
  type SlurmJobExit,
  type SlurmJobSpec,
} from "./slurm_job_spec.ts";

/** Most bytes of each stream kept (the runner keeps at most 64 MiB of log). */
const MAX_STREAM_BYTES = 256 << 20;
/** How often written output is flushed to the file server, for the runner's tail. */
const FLUSH_MS = 500;

/** Appends chunks to a file, flushing now and then so another host sees them. */
async function streamFile(path: string) {
  const file = await Deno.open(path, { createNew: true, write: true });
  let bytes = 0;
  let dirty = false;
  const flush = setInterval(() => {
    if (dirty) {
      dirty = false;
      file.syncDataSync();
    }
  }, FLUSH_MS);
  return {
    write(chunk: Uint8Array) {
      if (bytes >= MAX_STREAM_BYTES) return;
      const part = chunk.subarray(0, MAX_STREAM_BYTES - bytes);
      let done = 0;
      while (done < part.length) done += file.writeSync(part.subarray(done));
      bytes += part.length;
      dirty = true;
    },
    close() {
      clearInterval(flush);
      file.syncDataSync();
      file.close();
    },
  };
}

const dir = Deno.args[0];
const spec = JSON.parse(
  await Deno.readTextFile(`${dir}/${JOB_FILES.spec}`),
) as SlurmJobSpec;
// The node's own environment: HOME and DENO_DIR as seen here, and the
// granted variables from what sbatch exported.
const env = childBaseEnv();
for (const name of spec.envNames) {
  const value = Deno.env.get(name);
  if (value !== undefined) env[name] = value;
}
const stdout = await streamFile(`${dir}/${JOB_FILES.stdout}`);
const stderr = await streamFile(`${dir}/${JOB_FILES.stderr}`);
const { process, confinement } = spawnSandboxed({
  ...spec.sandbox,
  env,
  script: STAGE_HOST,
});
const writer = process.stdin.getWriter();
await writer.write(new TextEncoder().encode(`${JSON.stringify(spec.job)}\n`));
// stdin stays open: the stage host exits when it sees EOF (this job died).

// Slurm ends a job with SIGTERM (scancel, its time limit, preemption), then
// SIGKILL after KillWait: pass it on to the stage's process tree.
const terminate = new AbortController();
let terminated = false;
const onTerm = () => {
  terminated = true;
  terminate.abort();
};
Deno.addSignalListener("SIGTERM", onTerm);
Deno.addSignalListener("SIGINT", onTerm);
const exit = await superviseProcess(process, {
  onStdout: (chunk) => stdout.write(chunk),
  onStderr: (chunk) => stderr.write(chunk),
  signal: terminate.signal,
  timeoutMs: spec.timeoutMs,
  memoryBytes: spec.memoryBytes ??
    Math.floor(Deno.systemMemoryInfo().total * DEFAULT_MEMORY_SHARE),
});
await writer.close().catch(() => {});
stdout.close();
stderr.close();
const result: SlurmJobExit = {
  version: 1,
  host: Deno.hostname(),
  code: exit.status.code,
  signal: exit.status.signal,
  timedOut: exit.timedOut,
  outOfMemory: exit.outOfMemory,
  terminated,
  peakMemoryBytes: exit.peakMemoryBytes,
  confinement,
};
await atomicWrite(`${dir}/${JOB_FILES.exit}`, JSON.stringify(result));
Deno.exit(exit.status.code);
