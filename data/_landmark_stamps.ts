/**
 * Picks the photographic cut-outs of `tuxpaint-stamps-default` that become
 * the classes of data/make_landmarks.ts, and says why each other PNG was
 * left out. The rules, in order:
 *
 * 1. drawings by name: a path segment `cartoon`;
 * 2. mirror copies: `<name>_mirror.png` when `<name>.png` exists;
 * 3. small cut-outs: fewer than `minOpaque` pixels with alpha > 128;
 * 4. flat artwork: fewer than `minColours` distinct colours (5 bits per
 *    channel) among those pixels — glyphs, road signs, clip art;
 * 5. exact duplicates: the same decoded RGBA pixels as an earlier stamp;
 * 6. near duplicates: a 16×16 thumbnail (on grey, also mirrored) within
 *    `nearDuplicate` mean absolute difference of an earlier kept stamp.
 *
 * Files are visited in sorted path order, so "earlier" is well defined.
 *
 * @module
 */
import sharp from "sharp";

/** One kept cut-out, trimmed to the bounding box of its opaque pixels. */
export interface Stamp {
  /** Path relative to the stamps folder, e.g. `animals/birds/crow.png`. */
  path: string;
  /** The first line of the stamp's `.txt` (its English description), if any. */
  description: string | null;
  /** False when the stamp's `.dat` says `nomirror`. */
  mirrorable: boolean;
  /** Hex SHA-256 of the PNG file. */
  fileDigest: string;
  /** Trimmed RGBA pixels, row-major. */
  rgba: Uint8Array;
  /** Trimmed width. */
  width: number;
  /** Trimmed height. */
  height: number;
  /** Pixels with alpha > 128. */
  opaquePixels: number;
  /** Distinct 5-bit-per-channel colours among them. */
  colours: number;
}

/** A PNG that did not become a class, and why. */
export interface RejectedStamp {
  /** Path relative to the stamps folder. */
  path: string;
  /** The rule that removed it. */
  reason: string;
}

/** Options of {@linkcode selectStamps}. */
export interface SelectStampsOptions {
  /** Least pixels with alpha > 128. @default 3000 */
  minOpaque?: number;
  /** Least distinct 5-bit colours among the opaque pixels. @default 150 */
  minColours?: number;
  /** Mean absolute thumbnail difference (0–255) below which a stamp is a near duplicate. @default 6 */
  nearDuplicate?: number;
}

/** Every `.png` under `root`, relative, in sorted order. */
async function listPngs(root: string, dir = ""): Promise<string[]> {
  const names: { name: string; isDir: boolean }[] = [];
  for await (const entry of Deno.readDir(dir ? `${root}/${dir}` : root)) {
    names.push({ name: entry.name, isDir: entry.isDirectory });
  }
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const { name, isDir } of names) {
    const rel = dir ? `${dir}/${name}` : name;
    if (isDir) out.push(...await listPngs(root, rel));
    else if (name.endsWith(".png")) out.push(rel);
  }
  return out;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** 16×16 grey-background RGB thumbnail of an RGBA image, and its mirror image. */
async function thumbnails(
  rgba: Uint8Array,
  width: number,
  height: number,
): Promise<[Uint8Array, Uint8Array]> {
  const input = { raw: { width, height, channels: 4 as const } };
  const make = (mirror: boolean) => {
    let image = sharp(rgba, input).resize(16, 16, { fit: "fill" });
    if (mirror) image = image.flop();
    return image.flatten({ background: "#808080" }).raw().toBuffer();
  };
  const [a, b] = await Promise.all([make(false), make(true)]);
  return [new Uint8Array(a), new Uint8Array(b)];
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Trims to the opaque bounding box and measures the opaque pixels. */
function measure(rgba: Uint8Array, width: number, height: number) {
  let left = width, right = -1, top = height, bottom = -1, opaque = 0;
  const seen = new Uint8Array(1 << 15);
  let colours = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (rgba[i + 3] <= 128) continue;
      opaque++;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      const code = ((rgba[i] >> 3) << 10) | ((rgba[i + 1] >> 3) << 5) |
        (rgba[i + 2] >> 3);
      if (!seen[code]) {
        seen[code] = 1;
        colours++;
      }
    }
  }
  return { left, top, right, bottom, opaque, colours };
}

function crop(
  rgba: Uint8Array,
  width: number,
  box: { left: number; top: number; right: number; bottom: number },
): { rgba: Uint8Array; width: number; height: number } {
  const w = box.right - box.left + 1;
  const h = box.bottom - box.top + 1;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const from = ((box.top + y) * width + box.left) * 4;
    out.set(rgba.subarray(from, from + w * 4), y * w * 4);
  }
  return { rgba: out, width: w, height: h };
}

/**
 * Reads every PNG under `root` and applies the rules of this module.
 *
 * @returns the kept stamps (sorted by path) and the rejected ones with reasons
 */
export async function selectStamps(
  root: string,
  options: SelectStampsOptions = {},
): Promise<{ kept: Stamp[]; rejected: RejectedStamp[] }> {
  const minOpaque = options.minOpaque ?? 3000;
  const minColours = options.minColours ?? 150;
  const nearDuplicate = options.nearDuplicate ?? 6;
  const paths = await listPngs(root);
  const all = new Set(paths);
  const kept: Stamp[] = [];
  const keptThumbs: Uint8Array[] = [];
  const rejected: RejectedStamp[] = [];
  const pixelDigests = new Map<string, string>();
  for (const path of paths) {
    if (path.split("/").includes("cartoon")) {
      rejected.push({ path, reason: "drawing (a 'cartoon' folder)" });
      continue;
    }
    if (path.endsWith("_mirror.png")) {
      const original = path.replace(/_mirror\.png$/, ".png");
      if (all.has(original)) {
        rejected.push({ path, reason: `mirror copy of ${original}` });
        continue;
      }
    }
    const file = await Deno.readFile(`${root}/${path}`);
    const { data, info } = await sharp(file).ensureAlpha().toColourspace(
      "srgb",
    ).raw().toBuffer({ resolveWithObject: true });
    const rgba = new Uint8Array(data);
    const m = measure(rgba, info.width, info.height);
    if (m.opaque < minOpaque) {
      rejected.push({
        path,
        reason: `small: ${m.opaque} opaque pixels < ${minOpaque}`,
      });
      continue;
    }
    if (m.colours < minColours) {
      rejected.push({
        path,
        reason: `flat artwork: ${m.colours} colours < ${minColours}`,
      });
      continue;
    }
    const trimmed = crop(rgba, info.width, m);
    const pixelDigest = await sha256Hex(trimmed.rgba);
    const same = pixelDigests.get(pixelDigest);
    if (same !== undefined) {
      rejected.push({ path, reason: `same pixels as ${same}` });
      continue;
    }
    pixelDigests.set(pixelDigest, path);
    const [thumb, mirrored] = await thumbnails(
      trimmed.rgba,
      trimmed.width,
      trimmed.height,
    );
    const near = keptThumbs.findIndex((t) =>
      Math.min(meanAbsDiff(t, thumb), meanAbsDiff(t, mirrored)) < nearDuplicate
    );
    if (near >= 0) {
      rejected.push({
        path,
        reason: `near duplicate of ${kept[near].path}`,
      });
      continue;
    }
    const stem = `${root}/${path.replace(/\.png$/, "")}`;
    const txt = await readOptional(`${stem}.txt`);
    const dat = await readOptional(`${stem}.dat`);
    kept.push({
      path,
      description: txt?.split("\n")[0].trim() || null,
      mirrorable: !(dat ?? "").split("\n").some((l) => l.trim() === "nomirror"),
      fileDigest: await sha256Hex(file),
      ...trimmed,
      opaquePixels: m.opaque,
      colours: m.colours,
    });
    keptThumbs.push(thumb);
  }
  return { kept, rejected };
}
