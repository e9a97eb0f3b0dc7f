import assert from "node:assert/strict";
import { parseCliArgs } from "../../cli/parse_args.ts";

const OPTIONS = {
  jobs: { type: "number", short: "j", default: 2 },
  from: { type: "string" },
  force: { type: "string", multiple: true },
  sizes: { type: "number", multiple: true, default: [64] },
  "dry-run": { type: "boolean" },
} as const;

Deno.test("parseCliArgs() reads values, aliases, repeats and positionals, typed", () => {
  const { values, positionals } = parseCliArgs(
    [
      "run",
      "-j",
      "3",
      "--from=train",
      "--force",
      "a",
      "--force",
      "b",
      "x.yaml",
    ],
    OPTIONS,
  );
  const jobs: number = values.jobs;
  assert.deepStrictEqual(jobs, 3);
  assert.deepStrictEqual(values.from, "train");
  assert.deepStrictEqual(values.force, ["a", "b"]);
  assert.deepStrictEqual(values["dry-run"], undefined);
  assert.deepStrictEqual(positionals, ["run", "x.yaml"]);
});

Deno.test("parseCliArgs() applies defaults, and a repeated option replaces its default", () => {
  assert.deepStrictEqual(parseCliArgs([], OPTIONS).values.jobs, 2);
  assert.deepStrictEqual(parseCliArgs([], OPTIONS).values.sizes, [64]);
  assert.deepStrictEqual(
    parseCliArgs(["--sizes", "128", "--sizes", "384"], OPTIONS).values.sizes,
    [128, 384],
  );
});

Deno.test("parseCliArgs() refuses unknown options, missing values and non-numbers", () => {
  assert.throws(() => parseCliArgs(["--jbos", "2"], OPTIONS), {
    message: 'Cannot use unknown option "--jbos"',
  });
  assert.throws(() => parseCliArgs(["--from"], OPTIONS), {
    message: 'Cannot use option "--from" without a value',
  });
  assert.throws(() => parseCliArgs(["-j", "two"], OPTIONS), {
    message: 'Cannot use "two" for option "--jobs": give a number',
  });
  assert.throws(() => parseCliArgs(["--dry-run=yes"], OPTIONS), {
    message: 'Cannot give a value to the flag "--dry-run"',
  });
});
