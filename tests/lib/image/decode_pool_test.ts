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
