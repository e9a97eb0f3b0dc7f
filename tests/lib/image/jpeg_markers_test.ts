import assert from "node:assert/strict";
import sharp from "sharp";
import { jpegMarkers } from "../../../lib/image/_jpeg_markers.ts";
import { makeImage } from "../../testdata/image_fixtures.ts";

Deno.test("jpegMarkers() reads the EXIF orientation and tells an sRGB ICC profile from others", async () => {
  const plain = await makeImage("jpeg", 20, 10);
  assert.deepEqual(jpegMarkers(plain), { orientation: 1, icc: "none" });
  // sharp's withMetadata() embeds its sRGB profile.
  assert.deepEqual(jpegMarkers(await makeImage("exif-rotated-jpeg", 20, 10)), {
    orientation: 6,
    icc: "srgb",
  });
  for (
    const [profile, kind] of [["srgb", "srgb"], ["p3", "other"], [
      "cmyk",
      "other",
    ]]
  ) {
    const tagged = new Uint8Array(
      await sharp(plain).withIccProfile(profile).jpeg().toBuffer(),
    );
    assert.equal(jpegMarkers(tagged)?.icc, kind, profile);
  }
  for (const orientation of [3, 8]) {
    const tagged = new Uint8Array(
      await sharp(plain).withMetadata({ orientation }).jpeg().toBuffer(),
    );
    assert.equal(jpegMarkers(tagged)?.orientation, orientation);
  }
});

Deno.test("jpegMarkers() returns undefined for what is not a JPEG, and stops at bad segments", async () => {
  assert.equal(jpegMarkers(await makeImage("png", 8, 8)), undefined);
  assert.equal(jpegMarkers(new Uint8Array([0xff])), undefined);
  // A segment length running past the end: what was read so far.
  assert.deepEqual(
    jpegMarkers(new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0x40, 0x00, 0x45])),
    { orientation: 1, icc: "none" },
  );
});
