/**
 * Human durations for the terminal: `850ms`, `4.2s`, `1m05s`, `2h03m`.
 *
 * @module
 */

/** Formats a duration given in milliseconds. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  }
  return `${Math.floor(minutes / 60)}h${
    String(minutes % 60).padStart(2, "0")
  }m`;
}
