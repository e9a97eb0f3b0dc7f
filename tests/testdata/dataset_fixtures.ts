/**
 * Small ingest and decode artifacts for tests, built with the lib functions
 * the stages use: 30 images of mixed sizes and kinds in 3 classes.
 *
 * @module
 */
import {
  ingestSource,
  writeIngestArtifact,
} from "../../lib/dataset/ingest_source.ts";
import type { DecodeSettings } from "../../lib/image/image_dataset.ts";
import { writeDecodedDataset } from "../../lib/image/write_decoded_dataset.ts";
import {
  type FixtureRecord,
  type ImageKind,
  makeImage,
  writeShard,
} from "./image_fixtures.ts";

const SIZES: [number, number][] = [[60, 40], [40, 60], [48, 48], [90, 30], [
  33,
  50,
]];
const KINDS: ImageKind[] = [
  "jpeg",
  "png",
  "grey-jpeg",
  "exif-rotated-jpeg",
  "rgba-png",
  "cmyk-jpeg",
];

/** The kind of fixture record `i` (records keep their order through ingest). */
export function fixtureKind(i: number): ImageKind {
  return KINDS[i % KINDS.length];
}

/** 30 fixture records: sizes cycle through SIZES, kinds through KINDS, labels 0,1,2. */
export async function fixtureRecords(): Promise<FixtureRecord[]> {
  const records: FixtureRecord[] = [];
  for (let i = 0; i < 30; i++) {
    const [w, h] = SIZES[i % SIZES.length];
    records.push({
      image: await makeImage(fixtureKind(i), w, h),
      label: i % 3,
    });
  }
  return records;
}

/** Writes two shards of fixture records and ingests them (holdout 0.2, seed 7). */
export async function makeIngestDir(root: string): Promise<string> {
  const src = `${root}/src`;
  const out = `${root}/ingest`;
  await Deno.mkdir(src, { recursive: true });
  await Deno.mkdir(out, { recursive: true });
  const records = await fixtureRecords();
  await writeShard(`${src}/train-0.tfrecords`, records.slice(0, 17));
  await writeShard(`${src}/train-1.tfrecords`, records.slice(17));
  const result = await ingestSource({
    source: {
      kind: "tfrecord",
      train: [0, 1].map((k) => ({
        path: `${src}/train-${k}.tfrecords`,
        name: `train-${k}.tfrecords`,
      })),
      test: [],
    },
    outDir: out,
    holdout: 0.2,
    seed: 7,
    onError: "fail",
  });
  // What the runner does with references: the files appear inside the artifact.
  for (const ref of result.references) {
    await Deno.mkdir(
      `${out}/${ref.asPath.slice(0, ref.asPath.lastIndexOf("/"))}`,
      { recursive: true },
    );
    await Deno.symlink(ref.absolutePath, `${out}/${ref.asPath}`);
  }
  await writeIngestArtifact(out, result, { kind: "tfrecord" });
  return out;
}

/** A decode artifact over `ingestDir` in `mode` at side `imgSize` (references symlinked, as the runner would). */
export async function makeDecodeDir(
  ingestDir: string,
  dir: string,
  settings: Pick<DecodeSettings, "mode" | "imgSize"> & Partial<DecodeSettings>,
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const links: [string, string][] = [];
  await writeDecodedDataset({
    ingestDir,
    outDir: dir,
    settings: { kernel: "linear", shrinkOnLoad: false, ...settings },
    reference: (path, asPath) => links.push([path, asPath]),
  });
  for (const [path, asPath] of links) {
    await Deno.mkdir(`${dir}/${asPath.slice(0, asPath.lastIndexOf("/"))}`, {
      recursive: true,
    });
    await Deno.symlink(await Deno.realPath(path), `${dir}/${asPath}`);
  }
  return dir;
}
