import assert from "node:assert/strict";
import { readHeads, writeHead } from "../../../runner/cache/run_record.ts";

Deno.test("writeHead() from stages finishing at once keeps every stage's head", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const stages = Array.from({ length: 20 }, (_, i) => `stage${i}`);
    const key = (i: number) => i.toString(16).padStart(64, "0");
    await Promise.all(
      stages.map((stage, i) => writeHead(cache, "p".repeat(64), stage, key(i))),
    );
    assert.deepStrictEqual(
      await readHeads(cache, "p".repeat(64)),
      Object.fromEntries(stages.map((s, i) => [s, key(i)])),
    );
    await writeHead(cache, "p".repeat(64), "stage3", key(99));
    assert.equal((await readHeads(cache, "p".repeat(64))).stage3, key(99));
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
