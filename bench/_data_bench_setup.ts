/**
 * Set-up of the data benchmark: real photos from Debian packages, re-encoded
 * as JPEG, packed into TFRecord shards, ingested, and decode artifacts in
 * stream mode (with and without shrink-on-load) for each size.
 *
 * @module
 */
import sharp from "sharp";
import { expandGlob } from "../lib/dataset/glob.ts";
import {
  ingestSource,
  writeIngestArtifact,
} from "../lib/dataset/ingest_source.ts";
import { writeRecordIndex } from "../lib/dataset/record_index.ts";
import { encodeExample } from "../lib/tfrecord/example.ts";
import { TfRecordWriter } from "../lib/tfrecord/tfrecord_writer.ts";
import type { JpegDecoder } from "../lib/image/image_dataset.ts";
import type { Requirement } from "./_requirements.ts";
import { availableJpegDecoder } from "../lib/image/jpeg_decoder.ts";

/** The Debian packages the photos come from, and the folders they install. */
export const PHOTO_PACKAGES: Requirement[] = [
  {
    package: "python3-skimage",
    what: "sample photos",
    paths: ["/usr/lib/python3/dist-packages/skimage/data"],
  },
  {
    package: "python3-sklearn",
    what: "sample photos",
    paths: ["/usr/lib/python3/dist-packages/sklearn/datasets/images"],
  },
  {
    package: "tuxpaint-stamps-default",
    what: "photographic stamps",
    paths: ["/usr/share/tuxpaint/stamps"],
  },
];

const SOURCES = [
  "/usr/lib/python3/dist-packages/skimage/data/*.png",
  "/usr/lib/python3/dist-packages/skimage/data/*.jpg",
  "/usr/lib/python3/dist-packages/sklearn/datasets/images/*.jpg",
  "/usr/share/tuxpaint/stamps/**/*.png",
];

/** What the benchmark runs on. */
export interface PhotoSetup {
  /** Temporary folder to remove at the end. */
  root: string;
  /** The TFRecord shards (absolute). */
  shards: string[];
  /** Decode artifacts by size: stream mode with this machine's decoder (libturbojpeg where installed), and with sharp (the decoder before it). */
  decodeDirs: Record<number, { plain: string; sharp: string }>;
  /** The decoder `plain` uses. */
  decoder: JpegDecoder;
  /** Number of photos. */
  photos: number;
  /** Mean width. */
  meanWidth: number;
  /** Mean height. */
  meanHeight: number;
  /** Mean JPEG size in KiB. */
  meanKib: number;
}

/** Builds the shards and decode artifacts in a new temporary folder. */
export async function preparePhotoShards(sizes: number[]): Promise<PhotoSetup> {
  const root = await Deno.makeTempDir({ prefix: "data_bench_" });
  const files = (await Promise.all(SOURCES.map((g) => expandGlob(g, "/"))))
    .flat();
  const jpegs: { bytes: Uint8Array; width: number; height: number }[] = [];
  for (const file of files) {
    try {
      const meta = await sharp(file).metadata();
      if (Math.max(meta.width ?? 0, meta.height ?? 0) < 256) continue;
      const { data, info } = await sharp(file).flatten({
        background: "#ffffff",
      }).toColourspace("srgb")
        .jpeg({ quality: 90 }).toBuffer({ resolveWithObject: true });
      jpegs.push({
        bytes: new Uint8Array(data),
        width: info.width,
        height: info.height,
      });
    } catch {
      // Debian ships a deliberately truncated JPEG among the skimage samples.
    }
  }
  if (jpegs.length === 0) {
    await Deno.remove(root, { recursive: true });
    console.error(
      `Cannot run the data benchmark: no photo of at least 256 px in ${
        SOURCES.join(", ")
      }\nInstall them with:\n  apt-get install -y ${
        PHOTO_PACKAGES.map((p) => p.package).join(" ")
      }`,
    );
    Deno.exit(2);
  }
  const shards = [`${root}/photos-0.tfrecords`, `${root}/photos-1.tfrecords`];
  const half = Math.ceil(jpegs.length / 2);
  for (const [k, path] of shards.entries()) {
    const writer = await TfRecordWriter.create(path);
    for (const [i, j] of jpegs.slice(k * half, (k + 1) * half).entries()) {
      await writer.write(encodeExample({
        image: { kind: "bytes", value: [j.bytes] },
        label: { kind: "int64", value: [i % 10] },
        width: { kind: "int64", value: [j.width] },
        height: { kind: "int64", value: [j.height] },
      }));
    }
    await writer.close();
  }
  const ingestDir = `${root}/ingest`;
  await Deno.mkdir(ingestDir);
  const result = await ingestSource({
    source: {
      kind: "tfrecord",
      train: shards.map((path, k) => ({ path, name: `photos-${k}.tfrecords` })),
      test: [],
    },
    outDir: ingestDir,
    holdout: 0,
    seed: 1,
    onError: "fail",
  });
  await writeIngestArtifact(ingestDir, result, { kind: "tfrecord" });
  const decodeDirs: PhotoSetup["decodeDirs"] = {};
  const decoder = availableJpegDecoder();
  for (const size of sizes) {
    const plain = `${root}/decode-${size}`;
    const viaSharp = `${root}/decode-${size}-sharp`;
    for (
      const [dir, which] of [[plain, decoder], [viaSharp, "sharp"]] as const
    ) {
      await Deno.mkdir(`${dir}/shards/train`, { recursive: true });
      await writeRecordIndex(dir, result.index);
      for (const ref of result.references) {
        await Deno.symlink(ref.absolutePath, `${dir}/${ref.asPath}`);
      }
      await Deno.copyFile(`${ingestDir}/labels.json`, `${dir}/labels.json`);
      await Deno.writeTextFile(
        `${dir}/decode.json`,
        JSON.stringify({
          mode: "stream",
          imgSize: size,
          kernel: "linear",
          shrinkOnLoad: false,
          decoder: which,
        }),
      );
    }
    decodeDirs[size] = { plain, sharp: viaSharp };
  }
  const mean = (f: (j: typeof jpegs[number]) => number) =>
    Math.round(jpegs.reduce((s, j) => s + f(j), 0) / jpegs.length);
  return {
    root,
    shards,
    decodeDirs,
    decoder,
    photos: jpegs.length,
    meanWidth: mean((j) => j.width),
    meanHeight: mean((j) => j.height),
    meanKib: Math.round(
      jpegs.reduce((s, j) => s + j.bytes.length, 0) / jpegs.length / 102.4,
    ) / 10,
  };
}
