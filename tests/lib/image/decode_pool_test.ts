import assert from "node:assert/strict";
import { DecodePool } from "../../../lib/image/_decode_pool.ts";
import type { DecodeReply } from "../../../lib/image/_decode_protocol.ts";
import { squareCrop } from "../../../lib/image/square_crop.ts";
import {
  normalizationTable,
  type PixelImage,
  writeNormalized,
} from "../../../lib/image/normalize.ts";
import { type ImageKind, makeImage } from "../../testdata/image_fixtures.ts";

const missing = DecodePool.open(1) === undefined
  ? "libturbojpeg cannot be loaded (apt-get install libturbojpeg0)"
  : undefined;
if (missing) console.warn(`Skipping the decode pool tests: ${missing}`);

const KINDS: ImageKind[] = ["jpeg", "grey-jpeg", "png", "cmyk-jpeg"];

/** Each kind at two sizes: the replies, and with `normalise` each image's floats as written into a shared batch. */
async function decodeAll(pool: DecodePool, normalise: boolean) {
  const replies: DecodeReply[] = [];
  const floats: Float32Array[] = [];
  await Promise.all(KINDS.flatMap((kind, k) =>
    [40, 24].map(async (size, s) => {
      const [w, h] = [60 + 4 * k, 44];
      const bytes = await makeImage(kind, w, h);
      const out = new Float32Array(
        new SharedArrayBuffer(size * size * 3 * 4),
      );
      replies[2 * k + s] = await pool.run(
        bytes,
        {
          width: w,
          height: h,
          crop: squareCrop(w, h, "center"),
          size,
          kernel: "linear",
          grey: kind === "grey-jpeg",
        },
        normalise ? { out, at: 0 } : undefined,
      );
      floats[2 * k + s] = out;
    })
  ));
  return { replies: replies.map(({ id: _, ...rest }) => rest), floats };
}

Deno.test({
  name:
    "DecodePool answers alike in workers and in this thread, and sends sharp's images back",
  ignore: missing !== undefined,
  async fn() {
    for (const normalise of [true, false]) {
      const local = DecodePool.open(1)!;
      const workers = DecodePool.open(2)!;
      assert.equal(local.workers, 0);
      assert.equal(workers.workers, 2);
      const here = await decodeAll(local, normalise);
      const there = await decodeAll(workers, normalise);
      local.close();
      workers.close();
      const fast = normalise ? "written" : "pixels";
      assert.deepEqual(there.replies.map((r) => r.kind), [
        ...Array(4).fill(fast),
        ...Array(4).fill("sharp"),
      ]);
      assert.deepEqual(there.replies, here.replies);
      assert.deepEqual(there.floats, here.floats);
      // Written floats are real pixels, not the batch's zeros.
      assert.equal(
        there.floats.slice(0, 4).every((f) => f.some((v) => v !== 0)),
        normalise,
      );
    }
  },
});

Deno.test({
  name:
    "DecodePool writes normalised floats straight into a shared batch, at the image's offset, as its pixels normalise",
  ignore: missing !== undefined,
  async fn() {
    const size = 24, per = size * size * 3;
    const request = (w: number, h: number) => ({
      width: w,
      height: h,
      crop: squareCrop(w, h, "center"),
      size,
      kernel: "linear" as const,
      grey: false,
    });
    const images = await Promise.all(
      [60, 72].map((w) => makeImage("jpeg", w, 44)),
    );
    const workers = DecodePool.open(2)!;
    const local = DecodePool.open(1)!;
    try {
      assert.ok(workers.needsSharedBatches && !local.needsSharedBatches);
      // The reference: the pixels answer, normalised here.
      const table = normalizationTable();
      const expected = await Promise.all(
        images.map(async (bytes, k) => {
          const reply = await local.run(bytes, request([60, 72][k], 44));
          assert.equal(reply.kind, "pixels");
          const floats = new Float32Array(per);
          writeNormalized(
            floats,
            0,
            (reply as { image: PixelImage }).image,
            { left: 0, top: 0, side: size },
            table,
          );
          return floats;
        }),
      );
      for (const pool of [workers, local]) {
        const batch = new Float32Array(
          new SharedArrayBuffer((2 * per + 5) * 4),
        ).fill(-9);
        const replies = await Promise.all(
          images.map((bytes, k) =>
            pool.run(bytes, request([60, 72][k], 44), {
              out: batch,
              at: 5 + k * per,
            })
          ),
        );
        assert.deepEqual(replies.map((r) => r.kind), ["written", "written"]);
        assert.deepEqual(Array.from(batch.subarray(0, 5)), [
          -9,
          -9,
          -9,
          -9,
          -9,
        ]);
        expected.forEach((floats, k) =>
          assert.deepEqual(
            batch.subarray(5 + k * per, 5 + (k + 1) * per),
            floats,
          )
        );
      }
      // A worker cannot write into memory this thread does not share.
      assert.ok(!workers.canWriteInto(new Float32Array(per)));
      assert.throws(
        () =>
          workers.run(images[0], request(60, 44), {
            out: new Float32Array(per),
            at: 0,
          }),
        /not on a SharedArrayBuffer/,
      );
    } finally {
      workers.close();
      local.close();
    }
  },
});

Deno.test({
  name: "DecodePool.close() rejects what is still waiting",
  ignore: missing !== undefined,
  async fn() {
    const pool = DecodePool.open(2)!;
    const bytes = await makeImage("jpeg", 30, 20);
    const pending = pool.run(bytes, {
      width: 30,
      height: 20,
      crop: squareCrop(30, 20, "center"),
      size: 16,
      kernel: "linear",
      grey: false,
    });
    pool.close();
    await assert.rejects(pending, /the decode pool was closed/);
  },
});
