import assert from "node:assert/strict";
import { readRecordIndex } from "../../../lib/dataset/record_index.ts";
import { ShardFiles } from "../../../lib/image/_shard_files.ts";
import { decodeShorterSide } from "../../../lib/image/decode_image.ts";
import { availableJpegDecoder } from "../../../lib/image/jpeg_decoder.ts";
import { materializeImages } from "../../../lib/image/materialize_images.ts";
import { decodeExample } from "../../../lib/tfrecord/example.ts";
import { makeIngestDir } from "../../testdata/dataset_fixtures.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

const root = await tempDir("materialize_test_");
const ingestDir = await makeIngestDir(root);
const SIZE = 24;

/** Every stored image of a materialized folder, by record id (undefined where excluded). */
async function storedImages(outDir: string, workers: number) {
  const index = await materializeImages({
    index: await readRecordIndex(ingestDir),
    sourceDir: ingestDir,
    outDir,
    imgSize: SIZE,
    workers,
  }).then((r) => r.index);
  const files = new ShardFiles(outDir, index.shards);
  const images = [];
  for (let i = 0; i < index.size; i++) {
    images.push({
      data: await files.read(index.shard[i], index.offset[i], index.length[i], {
        record: i,
        checkCrc: true,
      }),
      width: index.width[i],
      height: index.height[i],
      channels: index.channels[i],
    });
  }
  await files.close();
  return images;
}

Deno.test("materializeImages() stores the same pixels with one decode worker or two, each close to sharp's, sharp's own kinds exactly", async () => {
  const one = await storedImages(`${root}/one`, 1);
  const two = await storedImages(`${root}/two`, 2);
  assert.deepEqual(two, one);

  // Against sharp, record by record: the fixture mixes plain and grey JPEGs
  // (the fast path, when libturbojpeg is here) with PNG, CMYK and
  // EXIF-rotated images (always sharp's).
  const source = await readRecordIndex(ingestDir);
  const files = new ShardFiles(ingestDir, source.shards);
  let fast = 0;
  for (let i = 0; i < source.size; i++) {
    const example = decodeExample(
      await files.read(source.shard[i], source.offset[i], source.length[i], {
        record: i,
        checkCrc: true,
      }),
    );
    const bytes = (example.image as { value: Uint8Array[] }).value[0];
    const slow = await decodeShorterSide(bytes, {
      size: SIZE,
      width: source.width[i],
      height: source.height[i],
      grey: source.channels[i] <= 2,
    });
    const stored = one[i];
    assert.deepEqual(
      [stored.width, stored.height, stored.channels],
      [slow.width, slow.height, slow.channels],
      `record ${i}`,
    );
    let diff = 0;
    for (let k = 0; k < slow.data.length; k++) {
      diff += Math.abs(slow.data[k] - stored.data[k]);
    }
    if (diff > 0) fast++;
    assert.ok(diff / slow.data.length < 1.5, `record ${i}: ${diff}`);
  }
  await files.close();
  // With libturbojpeg the plain JPEGs (half the fixture) took the fast path;
  // without it every image is sharp's, byte for byte.
  if (availableJpegDecoder() === "turbojpeg") assert.ok(fast >= 5, `${fast}`);
  else assert.equal(fast, 0);
});
