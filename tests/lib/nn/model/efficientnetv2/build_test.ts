import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { values } from "../../_cpu.ts";
import {
  applyEfficientNetV2,
  buildEfficientNetV2,
} from "../../../../../lib/nn/model/efficientnetv2/build.ts";
import { planEfficientNetV2 } from "../../../../../lib/nn/model/efficientnetv2/plan.ts";
import { countParams } from "../../../../../lib/nn/model/efficientnetv2/count_params.ts";
import { PUBLISHED_PARAMS } from "./count_params_test.ts";

Deno.test("buildEfficientNetV2() has the published parameter count of every variant", () => {
  for (const [variant, expected] of Object.entries(PUBLISHED_PARAMS)) {
    for (const includeTop of [true, false]) {
      const model = buildEfficientNetV2(planEfficientNetV2({ variant }), {
        includeTop,
        imgSize: 224,
      });
      try {
        assert.equal(
          model.countParams(),
          includeTop ? expected.top : expected.noTop,
          `${variant} top=${includeTop}`,
        );
      } finally {
        model.dispose();
      }
    }
  }
});

Deno.test("buildEfficientNetV2() counts match countParams() for the project's small variants", () => {
  for (const variant of ["nano", "pico"]) {
    const plan = planEfficientNetV2({ variant });
    const model = buildEfficientNetV2(plan, { includeTop: false });
    const { scaled, blocks } = plan;
    assert.equal(model.countParams(), countParams(scaled, blocks));
    model.dispose();
  }
});

Deno.test("applyEfficientNetV2() feature maps at 384 px have strides 2, 4, 8, 16, 16, 32", () => {
  const expected: Record<string, number[][]> = {
    s: [[192, 192, 24], [96, 96, 48], [48, 48, 64], [24, 24, 128], [
      24,
      24,
      160,
    ], [12, 12, 256]],
    b0: [[192, 192, 16], [96, 96, 32], [48, 48, 48], [24, 24, 96], [
      24,
      24,
      112,
    ], [12, 12, 192]],
    m: [
      [192, 192, 24],
      [96, 96, 48],
      [48, 48, 80],
      [24, 24, 160],
      [24, 24, 176],
      [12, 12, 304],
      [12, 12, 512],
    ],
    l: [
      [192, 192, 32],
      [96, 96, 64],
      [48, 48, 96],
      [24, 24, 192],
      [24, 24, 224],
      [12, 12, 384],
      [12, 12, 640],
    ],
  };
  for (const [variant, shapes] of Object.entries(expected)) {
    const image = tfl.input({ shape: [384, 384, 3] });
    const backbone = applyEfficientNetV2(
      image,
      planEfficientNetV2({ variant }),
    );
    assert.deepEqual(
      backbone.stageOutputs.map((t) => t.shape),
      shapes.map((s) => [null, ...s]),
      variant,
    );
    assert.deepEqual(backbone.features.shape, [null, 12, 12, 1280]);
  }
});

Deno.test("buildEfficientNetV2() runs a forward pass with the predicted shapes", () => {
  const model = buildEfficientNetV2(planEfficientNetV2({ variant: "b0" }), {
    includeTop: false,
    imgSize: 64,
  });
  const out = model.predict(
    tf.randomUniform([2, 64, 64, 3], -1, 1, "float32", 3),
  ) as tf.Tensor;
  assert.deepEqual(out.shape, [2, 2, 2, 1280]);
  assert.ok(values(out).every(Number.isFinite));
  tf.dispose(out);
  model.dispose();
});

Deno.test("buildEfficientNetV2() uses Keras layer and weight names", () => {
  const model = buildEfficientNetV2(planEfficientNetV2({ variant: "b0" }));
  const names = new Set(model.layers.map((l) => l.name));
  for (
    const name of [
      "stem_conv",
      "stem_bn",
      "stem_activation",
      "block1a_project_conv",
      "block1a_project_activation",
      "block2a_expand_conv",
      "block2b_drop",
      "block2b_add",
      "block4a_dwconv2",
      "block4a_se_squeeze",
      "block4a_se_reshape",
      "block4a_se_reduce",
      "block4a_se_expand",
      "block4a_se_excite",
      "block6h_project_bn",
      "top_conv",
      "top_bn",
      "top_activation",
      "avg_pool",
      "top_dropout",
      "predictions",
    ]
  ) assert.ok(names.has(name), name);
  assert.ok(
    !names.has("block1a_add"),
    "block1a changes width 32 → 16: no residual",
  );
  assert.ok(!names.has("block2a_drop"));
  const weights = new Set(model.weights.map((w) => w.originalName));
  for (
    const name of [
      "stem_conv/kernel",
      "stem_bn/gamma",
      "stem_bn/beta",
      "stem_bn/moving_mean",
      "stem_bn/moving_variance",
      "block4a_dwconv2/depthwise_kernel",
      "block4a_se_reduce/bias",
      "predictions/kernel",
    ]
  ) assert.ok(weights.has(name), name);
  model.dispose();
});

Deno.test("buildEfficientNetV2() uses BatchNorm momentum 0.9 and epsilon 1e-3 and SiLU", () => {
  const model = buildEfficientNetV2(planEfficientNetV2({ variant: "pico" }), {
    includeTop: false,
  });
  const bn = model.getLayer("stem_bn").getConfig();
  assert.equal(bn.momentum, 0.9);
  assert.equal(bn.epsilon, 1e-3);
  assert.equal(
    model.getLayer("stem_activation").getConfig().activation,
    "swish",
  );
  model.dispose();
});

Deno.test("buildEfficientNetV2() gives identical initial weights for a seed and different ones for another", () => {
  const digest = (seed: number) => {
    const model = buildEfficientNetV2(planEfficientNetV2({ variant: "pico" }), {
      seed,
      includeTop: false,
    });
    const all = model.getWeights().map(values);
    model.dispose();
    return all;
  };
  const a = digest(7);
  assert.deepEqual(digest(7), a);
  const b = digest(8);
  assert.notDeepEqual(b[0], a[0]);
});

Deno.test("buildEfficientNetV2() draws conv kernels as Keras does: truncated normal, std sqrt(2 / fan_out)", () => {
  const model = buildEfficientNetV2(planEfficientNetV2({ variant: "b0" }), {
    includeTop: false,
    seed: 4,
  });
  for (const name of ["block6a_expand_conv", "top_conv"]) {
    const kernel = model.getLayer(name).getWeights()[0];
    const [kh, kw, , out] = kernel.shape;
    const w = values(kernel);
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    const target = Math.sqrt(2 / (kh * kw * out));
    assert.ok(
      Math.abs(std / target - 1) < 0.03,
      `${name}: std ${std}, target ${target}`,
    );
    // Truncated at two raw standard deviations (target / 0.8796).
    const bound = (2 * target) / 0.87962566103423978;
    assert.ok(w.every((v) => Math.abs(v) <= bound * (1 + 1e-6)), name);
    // A normal's kurtosis is 3 (truncated at 2σ: about 2.4); a uniform's is 1.8.
    const kurtosis = w.reduce((s, v) => s + v ** 4, 0) / w.length / std ** 4;
    assert.ok(kurtosis > 2.2, `${name}: kurtosis ${kurtosis}`);
  }
  model.dispose();
});
