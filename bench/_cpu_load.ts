/**
 * Machine-wide CPU load from /proc/stat, so the data benchmark can wait for
 * a quiet moment before its two-core runs and report how much CPU other
 * processes took while it measured (this machine is shared).
 *
 * @module
 */

/** Busy and total jiffies summed over all CPUs. */
function sample(): { busy: number; total: number } {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  // cpu user nice system idle iowait irq softirq steal …
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim()
    .split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** A running measurement of machine-wide CPU use. */
export interface LoadMeter {
  /** CPU-seconds used by all processes since the meter started. */
  busySeconds(): number;
}

/** Starts measuring machine-wide CPU use. */
export function startLoadMeter(): LoadMeter {
  const start = sample();
  const hz = 100; // USER_HZ on Linux
  return { busySeconds: () => (sample().busy - start.busy) / hz };
}

/**
 * Waits until the machine is quiet: other processes used less than `maxBusy`
 * of all CPUs over a one-second window. Gives up after `timeoutMs`.
 *
 * @returns the busy fraction of the last window
 */
export async function waitForQuiet(
  maxBusy = 0.15,
  timeoutMs = 120_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const a = sample();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = sample();
    const busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    if (busy <= maxBusy || Date.now() > deadline) return busy;
  }
}
