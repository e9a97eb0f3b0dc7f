import assert from "node:assert/strict";
import {
  TokenizeError,
  tokenizeSource,
} from "../../../runner/pipeline/_source_tokens.ts";

const same = (a: string, b: string) =>
  assert.deepStrictEqual(tokenizeSource(a).tokens, tokenizeSource(b).tokens);
const differ = (a: string, b: string) => {
  if (
    JSON.stringify(tokenizeSource(a).tokens) ===
      JSON.stringify(tokenizeSource(b).tokens)
  ) {
    throw new Error(
      `expected different tokens for ${JSON.stringify(a)} and ${
        JSON.stringify(b)
      }`,
    );
  }
};

Deno.test("tokenizeSource() ignores comments and formatting", () => {
  same("const a = 1; // one\n", "/* lead */ const   a=1 ;");
  same("f(x,\n  y)", "f( x , y )");
  same("#!/usr/bin/env -S deno run\nlet x = 2", "let x = 2");
});

Deno.test("tokenizeSource() keeps what changes meaning: strings, regexes, template literals, operators", () => {
  differ('const s = "a b";', 'const s = "a  b";');
  differ("const r = /a b/g;", "const r = /a  b/g;");
  differ("const t = `a ${x} b`;", "const t = `a ${x}  b`;");
  differ("a + +b", "a ++b");
  same("const t = `x${ { a: 1 }.a }y`;", "const t = `x${{a:1}.a}y`;");
  // A comment marker inside a string or regex is not a comment.
  differ('const u = "http://a";', 'const u = "http://b";');
  differ("const r = /\\/\\/x/;", "const r = /\\/\\/y/;");
});

Deno.test("tokenizeSource() keeps newlines where JavaScript inserts semicolons", () => {
  differ("return\nx", "return x");
  differ("a\n++b", "a ++b");
  same("const a = 1\nconst b = 2", "const a = 1 const b = 2");
});

Deno.test("tokenizeSource() tells division from a regular expression", () => {
  assert.deepStrictEqual(tokenizeSource("a / b / c").tokens, [
    "a",
    "/",
    "b",
    "/",
    "c",
  ]);
  assert.deepStrictEqual(tokenizeSource("x = /b/ .test(y)").tokens, [
    "x",
    "=",
    "/b/",
    ".",
    "test",
    "(",
    "y",
    ")",
  ]);
  assert.deepStrictEqual(tokenizeSource("(a) / 2").tokens, [
    "(",
    "a",
    ")",
    "/",
    "2",
  ]);
});

Deno.test("tokenizeSource() lists static, re-exported and literal dynamic imports", () => {
  const { imports } = tokenizeSource(`
import a from "./a.ts";
import { b } from './b.ts';
import type { C } from "./c.ts";
import "./side_effect.ts";
export * from "./d.ts";
const e = await import("./e.ts");
const f = await import(name); // not literal: not followed
const g = "import './not_an_import.ts'";
const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const other = new URL("./not_a_module_ref.ts", base);
`);
  assert.deepStrictEqual(imports, [
    "./a.ts",
    "./b.ts",
    "./c.ts",
    "./side_effect.ts",
    "./d.ts",
    "./e.ts",
    "./worker.ts",
  ]);
});

Deno.test("tokenizeSource() rejects an unterminated string with its offset", () => {
  assert.throws(
    () => tokenizeSource('const s = "open'),
    (error) =>
      error instanceof TokenizeError && /offset 10/.test(error.message),
  );
});
