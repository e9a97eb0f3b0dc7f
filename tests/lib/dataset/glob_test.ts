import assert from "node:assert/strict";
import { expandGlob, globBase } from "../../../lib/dataset/glob.ts";
import { tempDir } from "../../testdata/temp_dir.ts";

Deno.test("globBase() returns the static directory prefix", () => {
  assert.equal(globBase("data/gld/*.tfrecords"), "data/gld");
  assert.equal(globBase("data/**/train-?.tfrec"), "data");
  assert.equal(globBase("*.tfrec"), ".");
  assert.equal(globBase("/abs/x/[ab]*/f"), "/abs/x");
  assert.equal(globBase("data/one.tfrecords"), "data/one.tfrecords");
});

Deno.test("expandGlob() matches *, ?, [..] and ** in sorted order, hiding dot files", async () => {
  const root = await tempDir();
  for (
    const f of [
      "a/train-1.tfrecords",
      "a/train-2.tfrecords",
      "a/test-1.tfrecords",
      "a/.hidden.tfrecords",
      "a/b/train-3.tfrecords",
      "a/b/c/train-4.tfrecords",
      "a/notes.txt",
    ]
  ) {
    await Deno.mkdir(`${root}/${f.slice(0, f.lastIndexOf("/"))}`, {
      recursive: true,
    });
    await Deno.writeTextFile(`${root}/${f}`, "");
  }
  const rel = async (p: string) =>
    (await expandGlob(p, root)).map((f) => f.slice(root.length + 1));
  assert.deepEqual(await rel("a/train-*.tfrecords"), [
    "a/train-1.tfrecords",
    "a/train-2.tfrecords",
  ]);
  assert.deepEqual(await rel("a/*.tfrecords"), [
    "a/test-1.tfrecords",
    "a/train-1.tfrecords",
    "a/train-2.tfrecords",
  ]);
  assert.deepEqual(await rel("a/train-[2-3].tfrecords"), [
    "a/train-2.tfrecords",
  ]);
  assert.deepEqual(await rel("a/**/train-?.tfrecords"), [
    "a/b/c/train-4.tfrecords",
    "a/b/train-3.tfrecords",
    "a/train-1.tfrecords",
    "a/train-2.tfrecords",
  ]);
  assert.deepEqual(await rel("a/notes.txt"), ["a/notes.txt"]);
  assert.deepEqual(await rel("missing/*.tfrecords"), []);
  assert.deepEqual(await expandGlob(`${root}/a/test-*`, "/elsewhere"), [
    `${root}/a/test-1.tfrecords`,
  ]);
});
