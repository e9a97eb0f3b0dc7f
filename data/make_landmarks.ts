/**
 * Builds a landmark-style retrieval benchmark in the Google Landmarks v2
 * folder layout from real photos in Debian packages: every photographic
 * cut-out of `tuxpaint-stamps-default` is one class, photographed by
 * compositing it into random crops of real background photos
 * (`plasma-workspace-wallpapers`, `palapeli-data`, `python3-skimage`,
 * `python3-sklearn`). The backgrounds are split into three disjoint pools,
 * so validation and test photos show scenes never seen in training, under
 * stronger lighting and viewpoint changes.
 *
 * Sizes: `full` (every class that passes the filter, 8 train + 2 val + 2 test
 * photos each, about 400×300) and `mini` (a seeded sample of 40 classes,
 * 6 + 2 + 2 photos each, about 160×120; small enough to commit).
 *
 * The output depends only on the packages' files, the options and sharp's
 * pinned libvips: the same command writes the same bytes.
 *
 * Usage (from the repository root):
 *   deno run --allow-all data/make_landmarks.ts --size mini|full [--out DIR]
 *     [--seed S] [--stamps DIR] [--concurrency N]
 *
 * @module
 */
import { parseArgs } from "node:util";
import sharp from "sharp";
import { keyedRandom } from "../lib/random/keyed_random.ts";
import {
  type Background,
  listBackgrounds,
  loadBackground,
  type Part,
  splitBackgrounds,
} from "./_landmark_backgrounds.ts";
import {
  composePhoto,
  HOLDOUT_CONDITIONS,
  TRAIN_CONDITIONS,
} from "./_landmark_photo.ts";
import { landmarksReadme } from "./_landmark_readme.ts";
import { selectStamps, type Stamp } from "./_landmark_stamps.ts";

/** What a size builds. */
interface SizePreset {
  /** Classes to sample; all kept stamps when absent. */
  classes?: number;
  /** Photos per class and part. */
  perClass: Record<Part, number>;
  /** Longer side of a photo in pixels. */
  longSide: number;
}

const SIZES: Record<string, SizePreset> = {
  full: { perClass: { train: 8, val: 2, test: 2 }, longSide: 400 },
  mini: { classes: 40, perClass: { train: 6, val: 2, test: 2 }, longSide: 160 },
};
const PARTS: readonly Part[] = ["train", "val", "test"];
/** Backgrounds are decoded once at this longer side (enough for 400-pixel photos). */
const BACKGROUND_SIDE = 1280;
/** Landmark ids are drawn from 1 … MAX_LANDMARK_ID. */
const MAX_LANDMARK_ID = 200000;
const PACKAGES = [
  "tuxpaint-stamps-default",
  "plasma-workspace-wallpapers",
  "palapeli-data",
  "python3-skimage",
  "python3-sklearn",
];

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "mini" },
    out: { type: "string" },
    seed: { type: "string", default: "2021" },
    stamps: { type: "string", default: "/usr/share/tuxpaint/stamps" },
    concurrency: { type: "string", default: "3" },
  },
});
const preset = SIZES[values.size];
if (preset === undefined) {
  throw new RangeError(
    `Cannot build size "${values.size}": choose one of ${
      Object.keys(SIZES).join(", ")
    }`,
  );
}
const seed = Number(values.seed);
const out = values.out ?? `data/landmarks-${values.size}`;
const concurrency = Math.max(1, Number(values.concurrency));
const started = performance.now();

/** 16 lowercase hex digits from two 32-bit draws. */
function hexId(...keys: (string | number)[]): string {
  const r = keyedRandom(seed, "id", ...keys);
  return [r.int(2 ** 32), r.int(2 ** 32)]
    .map((v) => v.toString(16).padStart(8, "0"))
    .join("");
}

/** Distinct sparse landmark ids for all kept stamps, in path order. */
function landmarkIds(stamps: Stamp[]): Map<string, number> {
  const r = keyedRandom(seed, "landmark-ids");
  const used = new Set<number>();
  const ids = new Map<string, number>();
  for (const stamp of stamps) {
    let id: number;
    do id = 1 + r.int(MAX_LANDMARK_ID); while (used.has(id));
    used.add(id);
    ids.set(stamp.path, id);
  }
  return ids;
}

/** Installed versions of the source packages, read from dpkg's status file. */
async function packageVersions(): Promise<Record<string, string>> {
  const status = await Deno.readTextFile("/var/lib/dpkg/status").catch(() =>
    ""
  );
  const versions: Record<string, string> = {};
  for (const block of status.split("\n\n")) {
    const name = /^Package: (.+)$/m.exec(block)?.[1];
    const version = /^Version: (.+)$/m.exec(block)?.[1];
    if (name && version && PACKAGES.includes(name)) versions[name] = version;
  }
  return versions;
}

/** Removes a previous output folder, refusing to delete anything else. */
async function clearOutput(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = [];
    for await (const e of Deno.readDir(dir)) entries.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (entries.length > 0 && !entries.includes("sources.json")) {
    throw new Error(
      `Cannot write to "${dir}": it exists and is not a landmarks folder (no sources.json)`,
    );
  }
  await Deno.remove(dir, { recursive: true });
}

/** Runs `task(i)` for i in 0 … n−1 with at most `limit` in flight. */
async function forEachLimited(
  n: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

const selection = await selectStamps(values.stamps);
const ids = landmarkIds(selection.kept);
const classes = preset.classes === undefined
  ? selection.kept
  : keyedRandom(seed, "mini-classes").shuffle([...selection.kept])
    .slice(0, preset.classes)
    .sort((a, b) => (a.path < b.path ? -1 : 1));

const pools = splitBackgrounds(await listBackgrounds(), seed);
const loaded = {} as Record<Part, Background[]>;
for (const part of PARTS) {
  loaded[part] = [];
  await forEachLimited(pools[part].length, concurrency, async (i) => {
    loaded[part][i] = await loadBackground(pools[part][i], BACKGROUND_SIDE);
  });
}

interface Job {
  part: Part;
  stamp: Stamp;
  index: number;
  id: string;
}
const jobs: Job[] = [];
const seen = new Set<string>();
for (const part of PARTS) {
  for (const stamp of classes) {
    for (let index = 0; index < preset.perClass[part]; index++) {
      const id = hexId(part, stamp.path, index);
      if (seen.has(id)) {
        throw new Error(`Cannot use photo id "${id}" twice: change --seed`);
      }
      seen.add(id);
      jobs.push({ part, stamp, index, id });
    }
  }
}

await clearOutput(out);
await Deno.mkdir(out, { recursive: true });
let bytes = 0;
await forEachLimited(jobs.length, concurrency, async (i) => {
  const { part, stamp, index, id } = jobs[i];
  const photo = await composePhoto({
    stamp,
    pool: loaded[part],
    longSide: preset.longSide,
    conditions: part === "train" ? TRAIN_CONDITIONS : HOLDOUT_CONDITIONS,
    random: keyedRandom(seed, "photo", part, stamp.path, index),
  });
  const dir = `${out}/${part}/${id[0]}/${id[1]}/${id[2]}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeFile(`${dir}/${id}.jpg`, photo.jpeg);
  bytes += photo.jpeg.length;
});

const counts = {} as Record<Part, number>;
for (const part of PARTS) {
  const rows = jobs.filter((j) => j.part === part)
    .map((j) => `${j.id},${ids.get(j.stamp.path)}`)
    .sort();
  counts[part] = rows.length;
  await Deno.writeTextFile(
    `${out}/${part}.csv`,
    ["id,landmark_id", ...rows].join("\n") + "\n",
  );
}

const versions = await packageVersions();
const sources = {
  generator: "data/make_landmarks.ts",
  size: values.size,
  seed,
  packages: versions,
  sharp: sharp.versions,
  classes: classes.map((s) => ({
    landmark_id: ids.get(s.path),
    stamp: `${values.stamps}/${s.path}`,
    description: s.description,
    stamp_sha256: s.fileDigest,
  })),
  backgrounds: Object.fromEntries(
    PARTS.map((
      part,
    ) => [part, pools[part].map((b) => ({ file: b.path, package: b.pkg }))]),
  ),
  rejected_stamps: selection.rejected,
};
await Deno.writeTextFile(
  `${out}/sources.json`,
  JSON.stringify(sources, null, 1) + "\n",
);

const flags = [`--size ${values.size}`, `--out ${out}`];
if (values.seed !== "2021") flags.push(`--seed ${values.seed}`);
if (values.stamps !== "/usr/share/tuxpaint/stamps") {
  flags.push(`--stamps ${values.stamps}`);
}
await Deno.writeTextFile(
  `${out}/README.md`,
  landmarksReadme({
    command: `deno run --allow-all data/make_landmarks.ts ${flags.join(" ")}`,
    size: values.size,
    seed,
    classes: classes.length,
    photos: counts,
    perClass: preset.perClass,
    longSide: preset.longSide,
    backgrounds: {
      train: pools.train.length,
      val: pools.val.length,
      test: pools.test.length,
    },
    stamps: {
      seen: selection.kept.length + selection.rejected.length,
      kept: selection.kept.length,
    },
    versions,
    sharp: `${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
    conditions: { train: TRAIN_CONDITIONS, holdout: HOLDOUT_CONDITIONS },
  }),
);

const seconds = (performance.now() - started) / 1000;
console.log(
  `wrote ${classes.length} classes, ${jobs.length} photos (${counts.train} train, ${counts.val} val, ${counts.test} test; ${
    (bytes / 1e6).toFixed(2)
  } MB of JPEG) to ${out} in ${seconds.toFixed(1)} s`,
);
