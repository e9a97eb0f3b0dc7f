/**
 * The background photos of data/make_landmarks.ts, from four Debian packages,
 * and their split into three disjoint pools (train, val, test), so holdout
 * photos are taken in scenes never seen in training.
 *
 * Only photographs are used: the abstract and rendered Plasma wallpapers,
 * skimage's synthetic and microscopy images and its stereo twin
 * (`motorcycle_right`, the same scene as `motorcycle_left`) are left out by
 * name. A wallpaper ships at several resolutions of one picture; only its
 * largest landscape file is used, so one picture never lands in two pools.
 *
 * @module
 */
import sharp from "sharp";
import { keyedRandom } from "../lib/random/keyed_random.ts";

/** The three parts of the benchmark. */
export type Part = "train" | "val" | "test";

/** One background file and the package it comes from. */
export interface BackgroundSource {
  /** Absolute path. */
  path: string;
  /** The Debian package that ships it. */
  pkg: string;
}

/** A decoded background, downscaled so its longer side is at most `maxSide`. */
export interface Background extends BackgroundSource {
  /** RGB pixels, row-major. */
  rgb: Uint8Array;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

const WALLPAPERS = "/usr/share/wallpapers";
/** Plasma wallpapers that are photographs (the rest are renders). */
const PHOTO_WALLPAPERS = [
  "Autumn",
  "BytheWater",
  "ColdRipple",
  "ColorfulCups",
  "DarkestHour",
  "EveningGlow",
  "FallenLeaf",
  "Grey",
  "Kite",
  "MilkyWay",
  "OneStandsOut",
  "Path",
  "summer_1am",
];
const PALAPELI = "/usr/share/palapeli";
const SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data";
/** skimage sample photographs (camera, coins and moon are grey). */
const SKIMAGE_PHOTOS = [
  "astronaut.png",
  "brick.png",
  "camera.png",
  "chelsea.png",
  "coffee.png",
  "coins.png",
  "grass.png",
  "gravel.png",
  "hubble_deep_field.jpg",
  "moon.png",
  "motorcycle_left.png",
  "rocket.jpg",
];
const SKLEARN = "/usr/lib/python3/dist-packages/sklearn/datasets/images";

async function sortedFiles(dir: string, pattern: RegExp): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && pattern.test(entry.name)) names.push(entry.name);
    }
  } catch (e) {
    throw new Error(`Cannot list backgrounds in "${dir}": ${e}`, { cause: e });
  }
  return names.sort();
}

/** The largest landscape file of a wallpaper (its names are `<w>x<h>.<ext>`). */
async function largestWallpaper(name: string): Promise<string> {
  const dir = `${WALLPAPERS}/${name}/contents/images`;
  const sized = (await sortedFiles(dir, /^\d+x\d+\.(jpg|png)$/)).map((f) => {
    const [w, h] = f.split(".")[0].split("x").map(Number);
    return { f, w, h };
  }).filter((s) => s.w >= s.h);
  if (sized.length === 0) {
    throw new Error(`Cannot find a landscape image of wallpaper "${name}"`);
  }
  sized.sort((a, b) => b.w * b.h - a.w * a.h || (a.f < b.f ? -1 : 1));
  return `${dir}/${sized[0].f}`;
}

/** Every background file, in a fixed order (by package, then name). */
export async function listBackgrounds(): Promise<BackgroundSource[]> {
  const out: BackgroundSource[] = [];
  for (const name of PHOTO_WALLPAPERS) {
    out.push({
      path: await largestWallpaper(name),
      pkg: "plasma-workspace-wallpapers",
    });
  }
  for (const sub of ["backgrounds", "collection"]) {
    for (const f of await sortedFiles(`${PALAPELI}/${sub}`, /\.jpg$/)) {
      out.push({ path: `${PALAPELI}/${sub}/${f}`, pkg: "palapeli-data" });
    }
  }
  for (const f of SKIMAGE_PHOTOS) {
    out.push({ path: `${SKIMAGE}/${f}`, pkg: "python3-skimage" });
  }
  for (const f of ["china.jpg", "flower.jpg"]) {
    out.push({ path: `${SKLEARN}/${f}`, pkg: "python3-sklearn" });
  }
  return out;
}

/**
 * Splits the backgrounds into disjoint pools: within each package the files
 * are shuffled by `seed`, then dealt in the repeating pattern train, train,
 * val, train, train, test over the concatenation, so every pool gets about
 * a sixth (val, test) or two thirds (train) of every package.
 */
export function splitBackgrounds(
  sources: BackgroundSource[],
  seed: number,
): Record<Part, BackgroundSource[]> {
  const pattern: Part[] = ["train", "train", "val", "train", "train", "test"];
  const pools: Record<Part, BackgroundSource[]> = {
    train: [],
    val: [],
    test: [],
  };
  const packages = [...new Set(sources.map((s) => s.pkg))];
  let at = 0;
  for (const pkg of packages) {
    const members = sources.filter((s) => s.pkg === pkg);
    keyedRandom(seed, "background-pools", pkg).shuffle(members);
    for (const source of members) {
      pools[pattern[at++ % pattern.length]].push(source);
    }
  }
  for (const pool of Object.values(pools)) {
    pool.sort((a, b) => (a.path < b.path ? -1 : 1));
  }
  return pools;
}

/** Decodes a background to RGB with its longer side at most `maxSide`. */
export async function loadBackground(
  source: BackgroundSource,
  maxSide: number,
): Promise<Background> {
  const { data, info } = await sharp(source.path)
    .resize(maxSide, maxSide, { fit: "inside", withoutEnlargement: true })
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) {
    throw new Error(
      `Cannot decode background "${source.path}" as RGB: sharp gave ${info.channels} channels`,
    );
  }
  return {
    ...source,
    rgb: new Uint8Array(data),
    width: info.width,
    height: info.height,
  };
}
