/**
 * Watches a spawned child until it ends: reads its stdout and stderr, ends
 * its whole process tree past a time limit (SIGTERM, then SIGKILL after a
 * grace period), past a memory limit (SIGKILL) or when aborted, and reports
 * the most memory the tree held. Whatever the child leaves behind ends
 * with it.
 *
 * @module
 */
import { processTree, residentBytes, signalTree } from "./process_tree.ts";

/** How long a child may take to end after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** How often the memory of a child's process tree is read. */
const MEMORY_POLL_MS = 200;

/** Options of {@linkcode superviseProcess}. */
export interface SuperviseOptions {
  /** Takes each chunk the child writes to stdout. */
  onStdout(chunk: Uint8Array): void;
  /** Takes each chunk the child writes to stderr. */
  onStderr(chunk: Uint8Array): void;
  /** Ends the child (SIGTERM, then SIGKILL) when aborted. */
  signal?: AbortSignal;
  /** Ends the child after this long: SIGTERM, then SIGKILL after a grace period. @default no limit */
  timeoutMs?: number;
  /** Ends the child (SIGKILL) when its process tree holds more resident memory. @default no limit */
  memoryBytes?: number;
}

/** How a supervised child ended. */
export interface SupervisedExit {
  /** Its exit status. */
  status: Deno.CommandStatus;
  /** True when the time limit ended it. */
  timedOut: boolean;
  /** True when the memory limit ended it. */
  outOfMemory: boolean;
  /** The most resident memory its process tree held at one reading, in bytes. */
  peakMemoryBytes: number;
}

/** Supervises `process` (stdout and stderr piped) until it ends. */
export async function superviseProcess(
  process: Deno.ChildProcess,
  options: SuperviseOptions,
): Promise<SupervisedExit> {
  let timedOut = false;
  let outOfMemory = false;
  let peakMemoryBytes = 0;
  let exited = false;
  const end = (signal: Deno.Signal) => {
    if (!exited) signalTree(process.pid, signal);
  };
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const terminate = () => {
    end("SIGTERM");
    killTimer ??= setTimeout(() => end("SIGKILL"), KILL_GRACE_MS);
  };
  const timer = options.timeoutMs !== undefined
    ? setTimeout(() => {
      timedOut = true;
      terminate();
    }, options.timeoutMs)
    : undefined;
  const watch = setInterval(() => {
    const bytes = residentBytes(processTree(process.pid));
    peakMemoryBytes = Math.max(peakMemoryBytes, bytes);
    if (options.memoryBytes !== undefined && bytes > options.memoryBytes) {
      outOfMemory = true;
      end("SIGKILL");
    }
  }, MEMORY_POLL_MS);
  if (options.signal?.aborted) terminate();
  options.signal?.addEventListener("abort", terminate);
  try {
    await Promise.all([
      pump(process.stdout, options.onStdout),
      pump(process.stderr, options.onStderr),
    ]);
    const status = await process.status;
    exited = true;
    // Whatever the child left behind (a forked helper of native code) ends with it.
    signalTree(process.pid, "SIGKILL");
    return { status, timedOut, outOfMemory, peakMemoryBytes };
  } finally {
    exited = true;
    clearTimeout(timer);
    clearTimeout(killTimer);
    clearInterval(watch);
    options.signal?.removeEventListener("abort", terminate);
  }
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  for await (const chunk of stream) onChunk(chunk);
}
