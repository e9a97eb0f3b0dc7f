import assert from "node:assert/strict";
import { DecodePool } from "../../../lib/image/_decode_pool.ts";
import type { DecodeReply } from "../../../lib/image/_decode_protocol.ts";
import { squareCrop } from "../../../lib/image/square_crop.ts";
import { type ImageKind, makeImage } from "../../testdata/image_fixtures.ts";

const missing = DecodePool.open(1) === undefined
  ? "libturbojpeg cannot be loaded (apt-get install libturbojpeg0)"
  : undefined;
if (missing) console.warn(`Skipping the decode pool tests: ${missing}`);

const KINDS: ImageKind[] = ["jpeg", "grey-jpeg", "png", "cmyk-jpeg"];

async function decodeAll(pool: DecodePool, normalise: boolean) {
  const replies: DecodeReply[] = [];
  await Promise.all(KINDS.flatMap((kind, k) =>
    [40, 24].map(async (size, s) => {
      const [w, h] = [60 + 4 * k, 44];
      const bytes = await makeImage(kind, w, h);
      replies[2 * k + s] = await pool.run(bytes, {
        width: w,
        height: h,
        crop: squareCrop(w, h, "center"),
        size,
        kernel: "linear",
        grey: kind === "grey-jpeg",
      }, normalise);
    })
  ));
  return replies.map(({ id: _, ...rest }) => rest);
}

Deno.test({
  name:
    "DecodePool answers alike in workers and in this thread, and sends sharp's images back",
  ignore: missing !== undefined,
  async fn() {
    for (const normalise of [true, false]) {
      const local = DecodePool.open(1)!;
      const workers = DecodePool.open(2)!;
      const here = await decodeAll(local, normalise);
      const there = await decodeAll(workers, normalise);
      local.close();
      workers.close();
      assert.deepEqual(
        there.map((r) => r.kind),
        normalise
          ? [
            "floats",
            "floats",
            "floats",
            "floats",
            "sharp",
            "sharp",
            "sharp",
            "sharp",
          ]
          : [
            "pixels",
            "pixels",
            "pixels",
            "pixels",
            "sharp",
            "sharp",
            "sharp",
            "sharp",
          ],
      );
      assert.deepEqual(there, here);
    }
  },
});

Deno.test({
  name:
    "DecodePool writes normalised floats straight into a shared batch, at the image's offset, as it would answer them",
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
      const answers = await Promise.all(
        images.map((bytes, k) =>
          workers.run(bytes, request([60, 72][k], 44), true)
        ),
      );
      for (const pool of [workers, local]) {
        const batch = new Float32Array(
          new SharedArrayBuffer((2 * per + 5) * 4),
        ).fill(-9);
        const replies = await Promise.all(
          images.map((bytes, k) =>
            pool.run(bytes, request([60, 72][k], 44), true, {
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
        answers.forEach((answer, k) => {
          assert.equal(answer.kind, "floats");
          assert.deepEqual(
            batch.subarray(5 + k * per, 5 + (k + 1) * per),
            (answer as { floats: Float32Array }).floats,
          );
        });
      }
      // A worker cannot write into memory this thread does not share.
      assert.ok(!workers.canWriteInto(new Float32Array(per)));
      assert.throws(
        () =>
          workers.run(images[0], request(60, 44), true, {
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
    }, true);
    pool.close();
    await assert.rejects(pending, /the decode pool was closed/);
  },
});
