/**
 * What a stage may use: memory, time, output size, and (for cluster
 * executors) cores, GPUs and a partition. Written in pipeline.yaml under a
 * stage's `resources:` with units (`memory: 8GiB`, `time: 2h`), or declared
 * by the stage module as defaults; the pipeline file wins.
 *
 * @module
 */

/** The memory limit of a stage that sets none: this share of the machine's memory. */
export const DEFAULT_MEMORY_SHARE = 0.8;

/** A stage's resources, in plain units. */
export interface StageResources {
  /** Most resident memory of the stage's processes, in bytes. */
  memoryBytes?: number;
  /** Longest the stage may run, in milliseconds. */
  timeMs?: number;
  /** CPU cores (a cluster job's allocation). */
  cpus?: number;
  /** GPUs (a cluster job's allocation). */
  gpus?: number;
  /** The cluster partition. */
  partition?: string;
  /** Most files its output may hold. */
  maxOutputFiles?: number;
  /** Most bytes its output's own files may hold. */
  maxOutputBytes?: number;
}

/** `resources:` as written in pipeline.yaml (sizes and durations with units). */
export interface ResourcesInYaml {
  /** E.g. `8GiB`, `512MiB`, or a number of bytes. */
  memory?: string | number;
  /** E.g. `90s`, `30m`, `2h`, `1d`, or a number of seconds. */
  time?: string | number;
  /** Cores. */
  cpus?: number;
  /** GPUs. */
  gpus?: number;
  /** Partition name. */
  partition?: string;
  /** Most output files. */
  max_output_files?: number;
  /** E.g. `100GiB`, or a number of bytes. */
  max_output_bytes?: string | number;
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const TIME_UNITS: Record<string, number> = {
  "": 1000,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Bytes of a size such as `8GiB`, `1.5G`, `512MiB` or `1000000`; undefined when it is not one. */
export function parseSize(value: string | number): number | undefined {
  return parseWithUnit(value, SIZE_UNITS);
}

/** Milliseconds of a duration such as `90s`, `30m`, `2h`, `1d` or `45` (seconds); undefined when it is not one. */
export function parseDuration(value: string | number): number | undefined {
  return parseWithUnit(value, TIME_UNITS);
}

function parseWithUnit(
  value: string | number,
  units: Record<string, number>,
): number | undefined {
  const match = String(value).trim().match(/^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/);
  const unit = match ? units[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  const amount = Number(match[1]) * unit;
  return amount > 0 ? Math.round(amount) : undefined;
}

/** A size for messages: `8 GiB`, `512 MiB`, `3.2 kB`. */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20]] as const) {
    if (bytes >= size) {
      const amount = bytes / size;
      return `${Number.isInteger(amount) ? amount : amount.toFixed(1)} ${unit}`;
    }
  }
  return bytes >= 1000 ? `${(bytes / 1000).toFixed(1)} kB` : `${bytes} B`;
}

/** The resources of `yaml` in plain units (they were checked when the file was parsed). */
export function resourcesFromYaml(yaml: ResourcesInYaml): StageResources {
  const out: StageResources = {};
  if (yaml.memory !== undefined) out.memoryBytes = parseSize(yaml.memory);
  if (yaml.time !== undefined) out.timeMs = parseDuration(yaml.time);
  if (yaml.cpus !== undefined) out.cpus = yaml.cpus;
  if (yaml.gpus !== undefined) out.gpus = yaml.gpus;
  if (yaml.partition !== undefined) out.partition = yaml.partition;
  if (yaml.max_output_files !== undefined) {
    out.maxOutputFiles = yaml.max_output_files;
  }
  if (yaml.max_output_bytes !== undefined) {
    out.maxOutputBytes = parseSize(yaml.max_output_bytes);
  }
  return out;
}
