import assert from "node:assert/strict";
import { readRecordIndex } from "../../../lib/dataset/record_index.ts";
import { ShardFiles } from "../../../lib/image/_shard_files.ts";
import { decodeShorterSide } from "../../../lib/image/decode_image.ts";
import { availableJpegDecoder } from "../../../lib/image/jpeg_decoder.ts";
import { materializeImages } from "../../../lib/image/materialize_images.ts";
import { decodeExample } from "../../../lib/tfrecord/example.ts";
import { fixtureKind, makeIngestDir } from "../../testdata/dataset_fixtures.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

const root = await tempDir("materialize_test_");
const ingestDir = await makeIngestDir(root);
// The fixture's 60×40 and 40×60 images are already at this shorter side;
// the 48×48, 90×30 and 33×50 ones are resized down or up.
const SIZE = 40;

/** Every stored image of a materialized folder, by record id (undefined where excluded). */
async function storedImages(outDir: string, workers: number) {
  const { index, fast } = await materializeImages({
    index: await readRecordIndex(ingestDir),
    sourceDir: ingestDir,
    outDir,
    imgSize: SIZE,
    workers,
  });
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
  return { images, fast };
}

Deno.test("materializeImages() stores sharp's pixels byte for byte, taking the fast path only for plain JPEGs already at the size, with one decode worker or two", async () => {
  const one = await storedImages(`${root}/one`, 1);
  const two = await storedImages(`${root}/two`, 2);
  assert.deepEqual(two, one);

  // Record by record against sharp: the fixture mixes plain and grey JPEGs
  // with PNG, CMYK and EXIF-rotated images (always sharp's).
  const source = await readRecordIndex(ingestDir);
  const files = new ShardFiles(ingestDir, source.shards);
  let plainAtSize = 0;
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
    assert.deepEqual(one.images[i], {
      data: slow.data,
      width: slow.width,
      height: slow.height,
      channels: slow.channels,
    }, `record ${i}`);
    const kind = fixtureKind(i);
    if (
      (kind === "jpeg" || kind === "grey-jpeg") &&
      Math.min(source.width[i], source.height[i]) === SIZE
    ) plainAtSize++;
  }
  await files.close();
  // Two colour and two grey JPEGs are at the size: the fast path's when
  // libturbojpeg is here, sharp's otherwise.
  assert.equal(plainAtSize, 4);
  const expected = availableJpegDecoder() === "turbojpeg" ? plainAtSize : 0;
  assert.equal(one.fast, expected);
  assert.equal(two.fast, expected);
});
