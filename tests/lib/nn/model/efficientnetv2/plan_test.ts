import assert from "node:assert/strict";
import { planEfficientNetV2 } from "../../../../../lib/nn/model/efficientnetv2/plan.ts";
import { VariantError } from "../../../../../lib/nn/model/efficientnetv2/variant_error.ts";
import { EFFICIENTNETV2_VARIANTS } from "../../../../../lib/nn/model/efficientnetv2/variants.ts";

Deno.test("planEfficientNetV2() scales and expands once, with overrides", () => {
  const plan = planEfficientNetV2({
    variant: "efficientnetv2-b0",
    width: 0.5,
    depth: 0.5,
    dropPath: 0.1,
  });
  assert.equal(plan.scaled.name, "b0");
  assert.equal(plan.scaled.width, 0.5);
  assert.equal(plan.scaled.dropPath, 0.1);
  assert.equal(plan.scaled.stemFilters, 16);
  assert.equal(
    plan.blocks.length,
    plan.scaled.stages.reduce((n, s) => n + s.repeats, 0),
  );
  assert.ok(plan.blocks.at(-1)!.dropRate < 0.1);
  // The plan is plain data: it survives JSON (it is saved with the model).
  assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
  assert.deepEqual(
    planEfficientNetV2({ variant: EFFICIENTNETV2_VARIANTS.pico }),
    planEfficientNetV2({ variant: "pico" }),
  );
});

Deno.test("planEfficientNetV2() reports a bad variant with VariantError", () => {
  assert.throws(() => planEfficientNetV2({ variant: "b9" }), VariantError);
  assert.throws(
    () =>
      planEfficientNetV2({
        variant: {
          name: "mine",
          stem: 8,
          top: 16,
          width: 1,
          depth: 1,
          imgSize: 32,
          dropout: 0,
          dropPath: 0,
          stages: [],
        },
      }),
    /variant "mine": the stage table is empty/,
  );
});
