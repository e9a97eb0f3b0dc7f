import assert from "node:assert/strict";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";

Deno.test("keyedRandom() gives the same draws for the same keys and different draws for other keys", () => {
  const drawWith = (seed: number, ...keys: (number | string)[]) => {
    const random = keyedRandom(seed, ...keys);
    return Array.from({ length: 5 }, () => random.next());
  };
  const draw = (...keys: (number | string)[]) => drawWith(42, ...keys);
  assert.deepStrictEqual(draw("crop", 1, 7), draw("crop", 1, 7));
  assert.ok(
    JSON.stringify(draw("crop", 1, 7)) !== JSON.stringify(draw("crop", 1, 8)),
  );
  assert.ok(
    JSON.stringify(draw("crop", 1, 7)) !== JSON.stringify(draw("crop", 2, 7)),
  );
  assert.ok(JSON.stringify(draw(1, 7)) !== JSON.stringify(drawWith(43, 1, 7)));
});

Deno.test("keyedRandom() draws uniformly: int() covers its range evenly and shuffle() is a permutation", () => {
  const random = keyedRandom(1, "uniform");
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) counts[random.int(10)]++;
  for (const count of counts) {
    assert.ok(Math.abs(count - 10_000) < 500, `bucket count ${count}`);
  }
  const items = Array.from({ length: 100 }, (_, i) => i);
  const shuffled = keyedRandom(1, "shuffle").shuffle([...items]);
  assert.deepStrictEqual([...shuffled].sort((a, b) => a - b), items);
  assert.ok(shuffled.some((v, i) => v !== i));
});
