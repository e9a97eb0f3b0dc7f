/**
 * The README.md written into a landmarks benchmark folder by
 * data/make_landmarks.ts: what it is, the command that made it, the source
 * packages with their versions and licences, the counts and the rule for
 * using val/ and test/. Its text depends only on its inputs (no dates).
 *
 * @module
 */
import type { Conditions } from "./_landmark_photo.ts";

/** Everything the README states. */
export interface ReadmeFacts {
  /** The command that reproduces the folder. */
  command: string;
  /** `mini` or `full`. */
  size: string;
  /** Seed of every draw. */
  seed: number;
  /** Classes in the folder. */
  classes: number;
  /** Photos per part. */
  photos: { train: number; val: number; test: number };
  /** Photos per class and part. */
  perClass: { train: number; val: number; test: number };
  /** Longer side of a photo in pixels. */
  longSide: number;
  /** Background files per pool. */
  backgrounds: { train: number; val: number; test: number };
  /** Stamp PNGs looked at, and kept. */
  stamps: { seen: number; kept: number };
  /** Installed version of each source package (from dpkg). */
  versions: Record<string, string>;
  /** sharp and libvips versions. */
  sharp: string;
  /** The train and holdout conditions. */
  conditions: { train: Conditions; holdout: Conditions };
}

const LICENCES: [string, string][] = [
  [
    "tuxpaint-stamps-default",
    "GPL-2 (© 2002–2022 Bill Kendrick; /usr/share/doc/tuxpaint-stamps-default/copyright). The objects.",
  ],
  [
    "plasma-workspace-wallpapers",
    "GPL-2+ (KDE Visual Design Group; /usr/share/doc/plasma-workspace-wallpapers/copyright). Backgrounds.",
  ],
  [
    "palapeli-data",
    "GPL-2+ for the puzzle images (Files: *; /usr/share/doc/palapeli-data/copyright). Backgrounds.",
  ],
  [
    "python3-skimage",
    "BSD-3-Clause for the package (/usr/share/doc/python3-skimage/copyright); skimage.data's docstrings give the photos as CC0 or public domain (astronaut, camera, chelsea, coffee, brick, grass, gravel, hubble_deep_field, rocket) or with no known copyright restrictions (coins, Brooklyn Museum); moon and motorcycle_left (Middlebury 2014 stereo) carry no note beyond the package's licence. Backgrounds.",
  ],
  [
    "python3-sklearn",
    "BSD-3-Clause for the package (/usr/share/doc/python3-sklearn/copyright); china.jpg and flower.jpg are CC BY 2.0 (Flickr: danielbuechele, vultilion; sklearn/datasets/images/README.txt). Backgrounds.",
  ],
];

function describe(c: Conditions): string {
  const pm = (x: number) => `±${Math.round(x * 100)}%`;
  return [
    `object ${Math.round(c.scale[0] * 100)}–${
      Math.round(c.scale[1] * 100)
    }% of the shorter side, framed near the centre`,
    `background blur σ ${c.backgroundBlur[0]}–${
      c.backgroundBlur[1]
    } px at 400 px (depth of field)`,
    `rotation ±${c.rotationDeg}°`,
    `mirrored 20% of the time (unless the stamp says nomirror)`,
    `stretch ${pm(c.stretch)}`,
    `object light ${pm(c.objectGain)}`,
    `brightness ${pm(c.brightness)}`,
    `contrast ${pm(c.contrast)}`,
    `saturation ${pm(c.saturation)}`,
    `colour temperature ${pm(c.temperature)}`,
    `gamma ${pm(c.gamma)}`,
    `noise σ ≤ ${c.noise}`,
    `blur ${c.blurChance * 100}% of photos (σ ${c.blurSigma[0]}–${
      c.blurSigma[1]
    } px at 400 px)`,
    `JPEG quality ${c.quality[0]}–${c.quality[1]}`,
  ].join(", ");
}

/** The README text. */
export function landmarksReadme(f: ReadmeFacts): string {
  const total = f.photos.train + f.photos.val + f.photos.test;
  const versions = LICENCES.map(([pkg, licence]) =>
    `- \`${pkg}\` ${f.versions[pkg] ?? "(version unknown)"}: ${licence}`
  ).join("\n");
  return `# Landmarks-style retrieval benchmark (${f.size})

A small stand-in for Google Landmarks v2, made only from real photos that
Debian packages ship: each class ("landmark") is one photographic cut-out of
\`tuxpaint-stamps-default\`, photographed ${f.perClass.train} times for training and
${f.perClass.val} + ${f.perClass.test} times for validation and test, pasted into random crops of
real background photos at a random scale, position and rotation, under
changed lighting, noise, blur and JPEG quality.

Validation and test photos are taken "in other conditions": their
backgrounds come from two pools of background photos that training never
sees (the three pools are disjoint files), and their lighting and viewpoint
changes are stronger.

**test/ is the untouched final test part: never look at it while choosing a
recipe; val/ is for choosing.**

## Layout (Google Landmarks v2)

- \`train.csv\`, \`val.csv\`, \`test.csv\`: header \`id,landmark_id\`, one row per
  photo, sorted by id; ids are 16 hex digits, landmark ids sparse integers in
  1…200000 (the same stamp has the same landmark id in every size).
- Photos at \`<part>/<id[0]>/<id[1]>/<id[2]>/<id>.jpg\`, about ${f.longSide} pixels on the
  longer side, landscape (aspect 5:4 to 3:2) or, a quarter of them, portrait.
- \`sources.json\`: per class its landmark id, stamp file, description and
  the SHA-256 of the stamp file; the background files of each pool; every
  stamp that was left out and why.

## Counts

- ${f.classes} classes; ${total} photos: ${f.photos.train} train, ${f.photos.val} val, ${f.photos.test} test
  (${f.perClass.train} / ${f.perClass.val} / ${f.perClass.test} per class).
- Background files: ${f.backgrounds.train} train, ${f.backgrounds.val} val, ${f.backgrounds.test} test.
- Stamps: ${f.stamps.kept} of ${f.stamps.seen} PNGs pass the filter (no \`cartoon\` folder,
  no \`_mirror\` copy, at least 3000 opaque pixels, at least 150 colours,
  no duplicate pixels or near-duplicate thumbnail)${
    f.classes < f.stamps.kept
      ? `; this size uses a seeded sample of ${f.classes}`
      : ""
  }.

## How it was made

From the repository root, with the packages below installed:

\`\`\`sh
${f.command}
\`\`\`

The output depends only on the packages' files, the options (seed ${f.seed})
and sharp ${f.sharp}: the same command writes the same bytes.

- Train photos: ${describe(f.conditions.train)}.
- Val and test photos: ${describe(f.conditions.holdout)}.

## Sources and licences

${versions}

Each photo is a derived work of one stamp (GPL-2) and one background file
(sources.json lists which files each pool uses) and keeps their terms; the
two CC BY 2.0 photos need the attribution above wherever photos made from
them are shared.
`;
}
