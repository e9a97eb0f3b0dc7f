import assert from "node:assert/strict";
import {
  availableJpegDecoder,
  jpegDecoderFact,
  TURBOJPEG_PATH,
} from "../../../lib/image/jpeg_decoder.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

const installed = (() => {
  try {
    return Deno.statSync(TURBOJPEG_PATH).isFile;
  } catch {
    return false;
  }
})();

Deno.test("availableJpegDecoder() and jpegDecoderFact() agree on whether libturbojpeg is here", () => {
  if (installed) {
    assert.equal(availableJpegDecoder(), "turbojpeg");
    assert.match(jpegDecoderFact(), /^libturbojpeg\.so\.0/);
  } else {
    assert.equal(availableJpegDecoder(), "sharp");
    assert.equal(jpegDecoderFact(), "none");
  }
});

Deno.test("jpegDecoderFact() needs only read permission, and says none without it", async () => {
  const module = new URL("../../../lib/image/jpeg_decoder.ts", import.meta.url)
    .href;
  const code = `import { jpegDecoderFact } from ${JSON.stringify(module)};
    console.log(jpegDecoderFact());`;
  const script = `${await tempDir("jpeg_decoder_test_")}/fact.ts`;
  await Deno.writeTextFile(script, code);
  const run = async (...flags: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", ...flags, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).trim();
  };
  assert.equal(await run(`--allow-read=${TURBOJPEG_PATH}`), jpegDecoderFact());
  assert.equal(await run(), "none");
});
