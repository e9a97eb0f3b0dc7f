import assert from "node:assert/strict";
import {
  resolveVariant,
  validateVariant,
} from "../../../../../lib/nn/model/efficientnetv2/validate_variant.ts";
import { VariantError } from "../../../../../lib/nn/model/efficientnetv2/variant_error.ts";
import {
  EFFICIENTNETV2_VARIANTS,
  type StageSpec,
  VARIANT_NAMES,
  type VariantSpec,
} from "../../../../../lib/nn/model/efficientnetv2/variants.ts";

const custom = (stages: unknown[]): VariantSpec => ({
  ...EFFICIENTNETV2_VARIANTS.pico,
  name: "custom",
  stages: stages as StageSpec[],
});

Deno.test("resolveVariant() accepts short and full names and rejects unknown ones", () => {
  assert.equal(resolveVariant("s"), EFFICIENTNETV2_VARIANTS.s);
  assert.equal(resolveVariant("efficientnetv2-b2"), EFFICIENTNETV2_VARIANTS.b2);
  assert.deepEqual(VARIANT_NAMES, [
    "b0",
    "b1",
    "b2",
    "b3",
    "s",
    "m",
    "l",
    "nano",
    "pico",
  ]);
  assert.throws(() => resolveVariant("xl"), (e: unknown) => {
    assert.ok(e instanceof VariantError);
    assert.equal(e.at.variant, "xl");
    assert.match(
      e.message,
      /^Cannot build EfficientNetV2 variant "xl": the name is unknown$/,
    );
    assert.match(e.hint ?? "", /^choose from b0, /);
    return true;
  });
  assert.throws(() => resolveVariant("toString"), VariantError);
});

Deno.test("validateVariant() names the variant, row and field of an unknown block type", () => {
  const rows = [...EFFICIENTNETV2_VARIANTS.pico.stages];
  rows[2] = { ...rows[2], block: "conv" as never };
  assert.throws(() => validateVariant(custom(rows)), (e: unknown) => {
    assert.ok(e instanceof VariantError);
    assert.deepEqual(e.at, { variant: "custom", row: 2, field: "block" });
    assert.equal(
      e.message,
      `Cannot build EfficientNetV2 variant "custom" row 2: block "conv" is unknown`,
    );
    assert.equal(e.hint, `use "fused" or "mbconv"`);
    return true;
  });
});

Deno.test("validateVariant() rejects bad row fields", () => {
  const row: StageSpec = {
    block: "mbconv",
    repeats: 1,
    kernel: 3,
    stride: 1,
    expand: 4,
    out: 16,
  };
  const cases: [Partial<StageSpec> | null, RegExp][] = [
    [{ repeats: 0 }, /row 0: repeats 0 is not a positive integer/],
    [{ repeats: 1.5 }, /repeats 1.5/],
    [{ kernel: 4 }, /row 0: kernel 4 is even/],
    [{ stride: 3 }, /stride 3 is not 1 or 2/],
    [{ expand: 0 }, /expand 0/],
    [{ out: -8 }, /out -8/],
    [{ se: 1.5 }, /se 1.5 is not in \[0, 1\]/],
    [null, /row 0: the row is null/],
  ];
  for (const [change, message] of cases) {
    const stage = change === null ? null : { ...row, ...change };
    assert.throws(() => validateVariant(custom([stage])), message);
  }
  assert.throws(() => validateVariant(custom([])), /the stage table is empty/);
  assert.throws(
    () => validateVariant({ ...custom([row]), dropPath: 1 }),
    /dropPath 1 is not in \[0, 1\)/,
  );
});

Deno.test("every built-in variant passes validation", () => {
  for (const name of VARIANT_NAMES) {
    validateVariant(EFFICIENTNETV2_VARIANTS[name]);
  }
});
