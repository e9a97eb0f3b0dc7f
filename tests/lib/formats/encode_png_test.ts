import assert from "node:assert/strict";
import sharp from "sharp";
import { encodePng } from "../../../lib/formats/encode_png.ts";
import { readImageHeader } from "../../../lib/formats/image_header.ts";

Deno.test("encodePng() round-trips grey and RGB pixels through an independent decoder", async () => {
  for (const channels of [1, 3] as const) {
    const width = 7;
    const height = 5;
    const pixels = Uint8Array.from(
      { length: width * height * channels },
      (_, i) => (i * 37) & 0xff,
    );
    const png = encodePng(pixels, { width, height, channels });
    assert.equal(readImageHeader(png).channels, channels);
    const back = await sharp(png).toColourspace(channels === 1 ? "b-w" : "srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    assert.equal(back.info.channels, channels);
    assert.deepEqual(new Uint8Array(back.data), pixels);
  }
});
