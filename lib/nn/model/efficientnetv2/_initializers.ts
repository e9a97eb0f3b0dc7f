/**
 * Keras EfficientNetV2's kernel initializers with per-layer seeds.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { deriveSeed } from "../seeds.ts";

// Keras divides the truncated normal's stddev by the std of a unit normal
// truncated at ±2 (0.8796…), so the drawn weights end with std sqrt(2/fan_out);
// tfjs does not, so the correction goes into scale. tfjs-layers' name for the
// truncated normal is "normal" (its VarianceScaling draws truncatedNormal
// then); any other name, "truncatedNormal" included, silently means uniform.
const TRUNCATED_STD = 0.87962566103423978;

/** An initializer as tfjs-layers' layer factories accept it. */
export type Initializer = ReturnType<typeof tfl.initializers.varianceScaling>;

/** Keras `CONV_KERNEL_INITIALIZER`: VarianceScaling(2.0, fan_out, truncated normal). */
export function convInitializer(seed: number, layerName: string): Initializer {
  return tfl.initializers.varianceScaling({
    scale: 2.0 / (TRUNCATED_STD * TRUNCATED_STD),
    mode: "fanOut",
    distribution: "normal",
    seed: deriveSeed(seed, "init", layerName),
  });
}

/** Keras `DENSE_KERNEL_INITIALIZER`: VarianceScaling(1/3, fan_out, uniform). */
export function denseInitializer(seed: number, layerName: string): Initializer {
  return tfl.initializers.varianceScaling({
    scale: 1 / 3,
    mode: "fanOut",
    distribution: "uniform",
    seed: deriveSeed(seed, "init", layerName),
  });
}
