import assert from "node:assert/strict";
import { countParams } from "../../../../../lib/nn/model/efficientnetv2/count_params.ts";
import { planEfficientNetV2 } from "../../../../../lib/nn/model/efficientnetv2/plan.ts";

/**
 * Keras application parameter counts (`model.count_params()`, BatchNorm
 * moving statistics included): without the top, and with the 1000-class
 * classifier (top_conv features · 1000 + 1000 more).
 */
export const PUBLISHED_PARAMS: Record<string, { noTop: number; top: number }> =
  {
    b0: { noTop: 5_919_312, top: 7_200_312 },
    b1: { noTop: 6_931_124, top: 8_212_124 },
    b2: { noTop: 8_769_374, top: 10_178_374 },
    b3: { noTop: 12_930_622, top: 14_467_622 },
    s: { noTop: 20_331_360, top: 21_612_360 },
    m: { noTop: 53_150_388, top: 54_431_388 },
    l: { noTop: 117_746_848, top: 119_027_848 },
  };

Deno.test("countParams() equals the published Keras counts of every variant", () => {
  for (const [variant, expected] of Object.entries(PUBLISHED_PARAMS)) {
    const { scaled, blocks } = planEfficientNetV2({ variant });
    assert.equal(
      countParams(scaled, blocks),
      expected.noTop,
      `${variant} without top`,
    );
    assert.equal(
      countParams(scaled, blocks, 1000),
      expected.top,
      `${variant} with top`,
    );
  }
});
