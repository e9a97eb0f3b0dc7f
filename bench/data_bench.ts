/**
 * `deno task bench data`: images/s from TFRecord shards of real photos to
 * normalised float32 batches (the notebook's transform: decode, random square
 * crop, resize, /255, ImageNet mean/std), at img_size 384 and 128, on one
 * core and on two, side by side in one run with
 *   - the PIL peer (`../shared/peers/pil_pipeline.py --tfrecord`, same shards),
 *   - sharp's bare decode + resize of the same JPEG bytes (this design's limit).
 *
 * Photos: Debian's python3-skimage and python3-sklearn sample images and the
 * photographic tuxpaint stamps (long side >= 256 px), re-encoded as RGB JPEG
 * q90 and packed into TFRecord shards in a temporary folder.
 *
 * Per core: every contender runs pinned to CPU 0 (`taskset -c 0`) and is
 * scored by images per CPU-second of its process (all threads), which other
 * load on the machine barely disturbs; for PIL that is the CPU time of a run
 * with `--repeat 1 + R` minus a run with `--repeat 1`. Two cores: unpinned,
 * wall clock. Every figure is the median of the rounds; contenders alternate
 * within a round so machine noise hits them alike.
 *
 * Options: --rounds N (3), --repeat R passes over the photos per run (4),
 * --sizes 384,128, --concurrency N decodes in flight on two cores (auto: ours
 * as openImageDataset() sets it, 8 per decode worker; sharp's contenders 4),
 * --quiet-wait S seconds a two-core run waits for a quiet machine (120).
 *
 * Needs Debian's python3-skimage, python3-sklearn and tuxpaint-stamps-default
 * (the photos), python3-pil and python3-numpy (the peer); it names what is
 * missing and exits with code 2.
 *
 * @module
 */
import { parseCliArgs } from "../cli/parse_args.ts";

const PEER =
  new URL("../../shared/peers/pil_pipeline.py", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;

const { values } = parseCliArgs(Deno.args, {
  child: { type: "string" },
  dir: { type: "string" },
  size: { type: "string" },
  concurrency: { type: "string", default: "auto" },
  repeat: { type: "string", default: "4" },
  rounds: { type: "string", default: "3" },
  sizes: { type: "string", default: "384,128" },
  "quiet-wait": { type: "string", default: "120" },
});

if (values.child) {
  const { runChild } = await import("./_data_bench_child.ts");
  const result = await runChild({
    kind: values.child as "ours" | "bare",
    dir: values.dir!,
    size: Number(values.size),
    concurrency: values.concurrency === "auto"
      ? undefined
      : Number(values.concurrency),
    repeat: Number(values.repeat),
  });
  console.log(JSON.stringify(result));
  Deno.exit(0);
}

const { requireDebianPackages } = await import("./_requirements.ts");
const { PHOTO_PACKAGES, preparePhotoShards } = await import(
  "./_data_bench_setup.ts"
);
await requireDebianPackages("data", [
  ...PHOTO_PACKAGES,
  { package: "python3-pil", what: "the PIL peer", python: "import PIL" },
  { package: "python3-numpy", what: "the PIL peer", python: "import numpy" },
]);
const { startLoadMeter, waitForQuiet } = await import("./_cpu_load.ts");
const { describeVectorScaling, measureVectorScaling } = await import(
  "./_vector_scaling.ts"
);
const rounds = Number(values.rounds);
const repeat = Number(values.repeat);
const sizes = values.sizes.split(",").map(Number);
const concurrency = values.concurrency;
console.error("preparing photo shards and decode artifacts …");
const setup = await preparePhotoShards(sizes);
console.log(
  `${setup.photos} photos (mean ${setup.meanWidth}x${setup.meanHeight} px, ${setup.meanKib} KiB JPEG) in ${setup.shards.length} TFRecord shards; ` +
    `${rounds} rounds × ${repeat} passes; one core: 2 decodes in flight, two cores: ${
      concurrency === "auto"
        ? "8 per decode worker (4 through sharp)"
        : concurrency
    }; ours decodes with ${setup.decoder}` +
    (setup.decoder === "sharp"
      ? " (libturbojpeg is not installed: apt-get install -y libturbojpeg0)"
      : ""),
);

/** Runs a command (pinned to CPU 0 when asked); returns its last stdout line as JSON and its CPU seconds. */
async function run(
  cmd: string[],
  pin: boolean,
): Promise<{ json: Record<string, number>; cpuSeconds: number }> {
  const timed = ["/usr/bin/time", "-f", "CPU %U %S", ...cmd];
  const args = pin ? ["taskset", "-c", "0", ...timed] : timed;
  const { code, stdout, stderr } = await new Deno.Command(args[0], {
    args: args.slice(1),
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const err = new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`${args.join(" ")} failed:\n${err}`);
  const [user, system] = err.match(/CPU ([\d.]+) ([\d.]+)/)!.slice(1).map(
    Number,
  );
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  return { json: JSON.parse(lines.at(-1)!), cpuSeconds: user + system };
}

/** Other processes' share of the two CPUs during each two-core run. */
const othersShare: number[] = [];

/** A two-core run, started in a quiet moment; records how busy the rest of the machine was. */
async function twoCores(
  cmd: string[],
  field: string,
): Promise<Record<string, number>> {
  await waitForQuiet(0.15, 1000 * Number(values["quiet-wait"]));
  const meter = startLoadMeter();
  const started = performance.now();
  const result = await run(cmd, false);
  const wallSeconds = (performance.now() - started) / 1000;
  const cpus = navigator.hardwareConcurrency;
  othersShare.push(
    Math.max(0, meter.busySeconds() - result.cpuSeconds) / (cpus * wallSeconds),
  );
  return { ...result.json, value: result.json[field] };
}

const deno = (kind: string, dir: string, size: number, conc: string) => [
  Deno.execPath(),
  "run",
  "--allow-all",
  SELF,
  ...[
    "--child",
    kind,
    "--dir",
    dir,
    "--size",
    String(size),
    "--concurrency",
    conc,
    "--repeat",
    String(repeat),
  ],
];

/** ours; ours through sharp (the decoder before libturbojpeg); the PIL peer; sharp's bare decode + resize. */
type Contender = "ours" | "sharp" | "pil" | "bare";
const CONTENDERS: Contender[] = ["ours", "sharp", "pil", "bare"];
interface Figures {
  /** Per core: images per CPU-second, pinned. */
  cpu: Record<Contender, number[]>;
  /** Pinned wall-clock images/s. */
  wall1: Record<Contender, number[]>;
  /** Unpinned wall-clock images/s. */
  wall2: Record<Contender, number[]>;
  /** Two-core runs: the main thread's share of our CPU time (bounds the two-core speed-up). */
  mainShare: number[];
}
const empty = () =>
  ({ ours: [], sharp: [], pil: [], bare: [] }) as Record<Contender, number[]>;
const figures: Record<number, Figures> = {};

for (const size of sizes) {
  const f: Figures = {
    cpu: empty(),
    wall1: empty(),
    wall2: empty(),
    mainShare: [],
  };
  figures[size] = f;
  const dirs = setup.decodeDirs[size];
  const pil = [
    "/usr/bin/python3",
    PEER,
    "--tfrecord",
    ...setup.shards,
    "--size",
    String(size),
  ];
  for (let round = 0; round < rounds; round++) {
    console.error(`size ${size}, round ${round + 1}/${rounds}`);
    for (
      const [who, dir] of [["ours", dirs.plain], [
        "sharp",
        dirs.sharp,
      ]] as const
    ) {
      const one = await run(deno("ours", dir, size, "2"), true);
      f.cpu[who].push(one.json.imagesPerCpuSecond);
      f.wall1[who].push(one.json.imagesPerSecond);
    }
    const bare = await run(deno("bare", dirs.plain, size, "1"), true);
    f.cpu.bare.push(bare.json.imagesPerCpuSecond);
    f.wall1.bare.push(bare.json.imagesPerSecond);
    const base = await run([...pil, "--workers", "1", "--repeat", "1"], true);
    const more = await run([
      ...pil,
      "--workers",
      "1",
      "--repeat",
      String(1 + repeat),
    ], true);
    f.cpu.pil.push(
      (repeat * setup.photos) / (more.cpuSeconds - base.cpuSeconds),
    );
    f.wall1.pil.push(more.json.img_per_s_1proc);
    const ours2 = await twoCores(
      deno("ours", dirs.plain, size, concurrency),
      "imagesPerSecond",
    );
    f.wall2.ours.push(ours2.value);
    f.mainShare.push(ours2.mainThreadShare);
    f.wall2.sharp.push(
      (await twoCores(
        deno("ours", dirs.sharp, size, concurrency),
        "imagesPerSecond",
      )).value,
    );
    f.wall2.bare.push(
      (await twoCores(
        deno("bare", dirs.plain, size, concurrency),
        "imagesPerSecond",
      )).value,
    );
    f.wall2.pil.push(
      (await twoCores(
        [...pil, "--workers", "2", "--repeat", String(repeat)],
        "img_per_s_workers",
      )).value,
    );
  }
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const n = (x: number) => x.toFixed(0).padStart(7);
const r = (x: number) => x.toFixed(2).padStart(7);
const m = (f: Record<Contender, number[]>) =>
  Object.fromEntries(CONTENDERS.map((c) => [c, median(f[c])])) as Record<
    Contender,
    number
  >;
console.log(
  `\nPer core (images per CPU-second, pinned to one CPU; median of ${rounds})`,
);
console.log(
  "img_size    ours  ours/sharp     PIL     bare | ours/PIL ours/bare ours/(ours via sharp) (via sharp)/PIL",
);
for (const size of sizes) {
  const c = m(figures[size].cpu);
  console.log(
    `${String(size).padStart(8)} ${n(c.ours)}     ${n(c.sharp)}  ${n(c.pil)}  ${
      n(c.bare)
    } | ${r(c.ours / c.pil)}   ${r(c.ours / c.bare)}              ${
      r(c.ours / c.sharp)
    }          ${r(c.sharp / c.pil)}`,
  );
}
console.log(
  `\nTwo cores (images/s, wall clock, unpinned; PIL with --workers 2; median of ${rounds})`,
);
console.log(
  "img_size    ours  ours/sharp     PIL     bare | ours/PIL ours/bare | 2 cores / 1 core: ours  sharp  bare   PIL | ours' bound",
);
for (const size of sizes) {
  const two = m(figures[size].wall2);
  const one = m(figures[size].wall1);
  console.log(
    `${String(size).padStart(8)} ${n(two.ours)}     ${n(two.sharp)}  ${
      n(two.pil)
    }  ${n(two.bare)} | ${r(two.ours / two.pil)}   ${
      r(two.ours / two.bare)
    } |                 ${r(two.ours / one.ours)} ${r(two.sharp / one.sharp)} ${
      r(two.bare / one.bare)
    } ${r(two.pil / one.pil)} | ${
      r(Math.min(2, 1 / median(figures[size].mainShare)))
    }`,
  );
}
console.log(
  "(ours' bound: min(2, 1 / main thread's share of our CPU time) in the two-core runs: the speed-up two free cores can give,",
);
console.log(
  " since only the JavaScript thread cannot overlap itself; the measured ratios also carry the other load on this shared machine)",
);
console.log(
  `(other processes took ${
    Math.round(100 * median(othersShare))
  }% of the CPUs during the median two-core run, ` +
    `${
      Math.round(100 * Math.max(...othersShare))
    }% at worst; runs wait up to 2 minutes for a quiet moment)`,
);
await waitForQuiet(0.15, 1000 * Number(values["quiet-wait"]));
console.log(describeVectorScaling(await measureVectorScaling()));
console.log(
  "(where SIMD code scales well below 2, SIMD-bound decoding cannot reach ours' bound either)",
);
console.log("\nall runs:", JSON.stringify(figures));
await Deno.remove(setup.root, { recursive: true });
