import assert from "node:assert/strict";
import { readIdx } from "../../../lib/dataset/idx_file.ts";
import { SourceError } from "../../../lib/dataset/source_error.ts";
import { idxGz } from "../../testdata/image_fixtures.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

Deno.test("readIdx() reads gzipped and plain IDX arrays", async () => {
  const dir = await tempDir();
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
  await Deno.writeFile(`${dir}/x.gz`, await idxGz([2, 3, 4], data));
  const gz = await readIdx(`${dir}/x.gz`);
  assert.deepEqual(gz.shape, [2, 3, 4]);
  assert.deepEqual(gz.data, data);
  const plain = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 9, 8, 7]);
  await Deno.writeFile(`${dir}/y`, plain);
  assert.deepEqual(await readIdx(`${dir}/y`), {
    shape: [3],
    data: new Uint8Array([9, 8, 7]),
  });
});

Deno.test("readIdx() rejects other types and short files", async () => {
  const dir = await tempDir();
  await Deno.writeFile(
    `${dir}/float`,
    new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]),
  );
  await assert.rejects(readIdx(`${dir}/float`), SourceError);
  await Deno.writeFile(
    `${dir}/short`,
    new Uint8Array([0, 0, 8, 1, 0, 0, 0, 9, 1]),
  );
  await assert.rejects(
    readIdx(`${dir}/short`),
    /needs 9 bytes, the file holds 1/,
  );
});
