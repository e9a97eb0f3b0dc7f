import assert from "node:assert/strict";
import { cli, makeToyProject, removeToy } from "../_toy_project.ts";

const PIPELINE = `name: concurrent
stages:
  gen:
    uses: ./gen.ts
  cat:
    uses: ./cat.ts
    needs: [gen]
    with: { sleep_ms: 1500 }
  tail:
    uses: ./cat.ts
    needs: { gen: cat }
`;

for (const locks of ["flock", "lease"]) {
  Deno.test(`two runs of one pipeline on one store run each stage once and agree on the outputs (${locks} locks)`, async () => {
    const dir = await makeToyProject(
      PIPELINE.replace("stages:", `cache_locks: ${locks}\nstages:`),
    );
    try {
      const [a, b] = await Promise.all([cli(dir, "run"), cli(dir, "run")]);
      assert.deepStrictEqual([a.code, b.code], [0, 0], a.stderr + b.stderr);
      const ran = (out: string) =>
        [...out.matchAll(/^✓ (\w+) +ran/gm)].map((m) => m[1]);
      // Every stage ran exactly once across the two processes.
      assert.deepStrictEqual([...ran(a.stdout), ...ran(b.stdout)].sort(), [
        "cat",
        "gen",
        "tail",
      ]);
      const records = [...Deno.readDirSync(`${dir}/.cache/runs`)].filter((e) =>
        e.name.endsWith(".json")
      );
      assert.deepStrictEqual(records.length, 3);
      assert.deepStrictEqual(
        await Deno.readTextFile(`${dir}/outputs/tail/all.txt`),
        "#n0\n#n1\n#n2\n",
      );
    } finally {
      await removeToy(dir);
    }
  });
}
