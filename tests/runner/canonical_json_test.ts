import { assertEquals, assertThrows } from "../_assert.ts";
import { canonicalJson } from "../../runner/canonical_json.ts";

Deno.test("canonicalJson() sorts keys at every depth and drops undefined members", () => {
  assertEquals(
    canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }),
    '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
  );
});

Deno.test("canonicalJson() refuses values JSON cannot carry exactly, naming where", () => {
  assertThrows(() => canonicalJson({ lr: NaN }), TypeError, "$.lr");
  assertThrows(() => canonicalJson([1n]), TypeError, "$[0]");
});
