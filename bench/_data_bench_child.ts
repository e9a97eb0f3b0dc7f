/**
 * One measurement of the data benchmark, run in its own process (pinned to
 * one CPU or not by the parent): our batch iterator over a decode artifact,
 * or sharp's bare decode + resize of the same JPEG bytes.
 *
 * @module
 */
import process from "node:process";
import sharp from "sharp";
import { readRecordIndex } from "../lib/dataset/record_index.ts";
import { openImageDataset } from "../lib/image/image_dataset.ts";
import { decodeExample } from "../lib/tfrecord/example.ts";
import { readRecords } from "../lib/tfrecord/read_records.ts";

/** What to measure. */
export interface ChildOptions {
  /** `ours`: openImageDataset().batches(); `bare`: sharp decode + resize only. */
  kind: "ours" | "bare";
  /** The decode artifact. */
  dir: string;
  /** Output side. */
  size: number;
  /** Decodes in flight; undefined: openImageDataset()'s default for ours, 4 for sharp. */
  concurrency?: number;
  /** Passes over the photos. */
  repeat: number;
}

/** A measurement: wall-clock rate and the rate per CPU-second of the whole process (all threads). */
export interface ChildResult {
  /** Images per wall-clock second. */
  imagesPerSecond: number;
  /** Images per CPU-second (user + system, all threads). */
  imagesPerCpuSecond: number;
  /**
   * The main (JavaScript) thread's share of the process's CPU time. Work on
   * it cannot overlap itself, so two cores can speed the run up by at most
   * min(2, 1 / mainThreadShare), whatever else runs on the machine.
   */
  mainThreadShare: number;
  /** Images processed in the timed part. */
  images: number;
}

/** Runs one measurement after a short warm-up. */
export async function runChild(options: ChildOptions): Promise<ChildResult> {
  const { size, concurrency, repeat } = options;
  if (options.kind === "ours") {
    const data = await openImageDataset(options.dir);
    const batchSize = 32;
    const epoch = async (e: number, steps = Infinity) => {
      let n = 0;
      for await (
        const b of data.batches({
          split: "train",
          epoch: e,
          batchSize,
          seed: 1,
          concurrency,
          reuseBuffers: true, // as the train stage uses it
        })
      ) {
        n += b.size;
        if (b.step + 1 >= steps) break;
      }
      return n;
    };
    await epoch(100, 2); // warm-up
    const clock = start();
    let n = 0;
    for (let e = 0; e < repeat; e++) n += await epoch(e);
    const result = clock.stop(n);
    await data.close();
    return result;
  }
  // Bare: the same JPEG bytes, already in memory, decoded and resized (centre square, like fit "cover").
  const index = await readRecordIndex(options.dir);
  const jpegs: Uint8Array[] = [];
  for (const shard of index.shards) {
    for await (const r of readRecords(`${options.dir}/${shard}`)) {
      jpegs.push(decodeExample(r.data).image.value[0] as Uint8Array);
    }
  }
  const pass = async () => {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency ?? 4 }, async () => {
      while (next < jpegs.length) {
        await sharp(jpegs[next++]).resize(size, size, { kernel: "linear" })
          .raw().toBuffer();
      }
    }));
  };
  await Promise.all(
    jpegs.slice(0, 8).map((j) => sharp(j).resize(size, size).raw().toBuffer()),
  );
  const clock = start();
  for (let e = 0; e < repeat; e++) await pass();
  return clock.stop(repeat * jpegs.length);
}

/** CPU seconds of the main thread (its task id is the process id), from /proc. */
function mainThreadCpuSeconds(): number {
  const stat = Deno.readTextFileSync(`/proc/self/task/${Deno.pid}/stat`);
  // Fields after the ")" of the command name: utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
}

function start() {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const main = mainThreadCpuSeconds();
  return {
    stop(images: number): ChildResult {
      const seconds = (performance.now() - wall) / 1000;
      const used = process.cpuUsage(cpu);
      const cpuSeconds = (used.user + used.system) / 1e6;
      return {
        imagesPerSecond: images / seconds,
        imagesPerCpuSecond: images / cpuSeconds,
        mainThreadShare: (mainThreadCpuSeconds() - main) / cpuSeconds,
        images,
      };
    },
  };
}
