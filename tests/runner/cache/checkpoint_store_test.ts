import assert from "node:assert/strict";
import { createCheckpointStore } from "../../../runner/cache/checkpoint_store.ts";

Deno.test("createCheckpointStore() replaces a checkpoint whole and keeps the old one if a save fails", async () => {
  const dir = await Deno.makeTempDir();
  const store = createCheckpointStore(`${dir}/ckpt`);
  assert.deepStrictEqual(await store.load("epoch"), undefined);
  await store.save("epoch", (d) => Deno.writeTextFile(`${d}/n`, "1"));
  await store.save("epoch", (d) => Deno.writeTextFile(`${d}/n`, "2"));
  assert.deepStrictEqual(
    await Deno.readTextFile(`${await store.load("epoch")}/n`),
    "2",
  );
  await assert.rejects(
    () => store.save("epoch", () => Promise.reject(new Error("disk full"))),
    /disk full/,
  );
  assert.deepStrictEqual(
    await Deno.readTextFile(`${await store.load("epoch")}/n`),
    "2",
  );
  await assert.rejects(
    () => store.save("../escape", async () => {}),
    { name: "TypeError", message: /letters, digits/ },
  );
  await Deno.remove(dir, { recursive: true });
});
