import assert from "node:assert/strict";
import { canonicalJson } from "../../../runner/cache/canonical_json.ts";

Deno.test("canonicalJson() sorts keys at every depth and drops undefined members", () => {
  assert.deepStrictEqual(
    canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }),
    '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
  );
});

Deno.test("canonicalJson() refuses values JSON cannot carry exactly, naming where", () => {
  assert.throws(() => canonicalJson({ lr: NaN }), {
    name: "TypeError",
    message: /\$\.lr/,
  });
  assert.throws(() => canonicalJson([1n]), {
    name: "TypeError",
    message: /\$\[0\]/,
  });
});
