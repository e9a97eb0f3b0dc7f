import { assertEquals, assertRejects } from "../_assert.ts";
import { createCheckpointStore } from "../../runner/checkpoint_store.ts";

Deno.test("createCheckpointStore() replaces a checkpoint whole and keeps the old one if a save fails", async () => {
  const dir = await Deno.makeTempDir();
  const store = createCheckpointStore(`${dir}/ckpt`);
  assertEquals(await store.load("epoch"), undefined);
  await store.save("epoch", (d) => Deno.writeTextFile(`${d}/n`, "1"));
  await store.save("epoch", (d) => Deno.writeTextFile(`${d}/n`, "2"));
  assertEquals(await Deno.readTextFile(`${await store.load("epoch")}/n`), "2");
  await assertRejects(
    () => store.save("epoch", () => Promise.reject(new Error("disk full"))),
    Error,
    "disk full",
  );
  assertEquals(await Deno.readTextFile(`${await store.load("epoch")}/n`), "2");
  await assertRejects(
    () => store.save("../escape", async () => {}),
    TypeError,
    "letters, digits",
  );
  await Deno.remove(dir, { recursive: true });
});
