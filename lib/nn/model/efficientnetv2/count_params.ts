/**
 * Parameter counts computed from the block specs alone (no tfjs), the way
 * Keras counts them: every weight, including BatchNormalization's moving
 * mean and variance. Cheap enough to check the large variants in tests.
 *
 * @module
 */
import type { BlockSpec } from "./expand.ts";
import type { ScaledVariant } from "./scale.ts";

// gamma, beta, moving mean, moving variance per channel.
const bn = (channels: number) => 4 * channels;
const conv = (k: number, cin: number, cout: number) => k * k * cin * cout;

/** Parameters of one block. */
export function countBlockParams(spec: BlockSpec): number {
  const { inFilters, hiddenFilters, outFilters, kernel, seFilters } = spec;
  const se = seFilters > 0
    ? conv(1, hiddenFilters, seFilters) + seFilters +
      conv(1, seFilters, hiddenFilters) + hiddenFilters
    : 0;
  const expanded = spec.expand !== 1;
  if (spec.block === "fused") {
    const expand = expanded
      ? conv(kernel, inFilters, hiddenFilters) + bn(hiddenFilters)
      : 0;
    const project = expanded
      ? conv(1, hiddenFilters, outFilters)
      : conv(kernel, inFilters, outFilters);
    return expand + se + project + bn(outFilters);
  }
  const expand = expanded
    ? conv(1, inFilters, hiddenFilters) + bn(hiddenFilters)
    : 0;
  const depthwise = kernel * kernel * hiddenFilters + bn(hiddenFilters);
  return expand + depthwise + se + conv(1, hiddenFilters, outFilters) +
    bn(outFilters);
}

/**
 * Parameters of the network: stem, blocks and `top_conv`, plus the
 * `classes`-way dense classifier when `classes` is given.
 */
export function countParams(
  scaled: ScaledVariant,
  blocks: BlockSpec[],
  classes?: number,
): number {
  const stem = conv(3, 3, scaled.stemFilters) + bn(scaled.stemFilters);
  const body = blocks.reduce((sum, spec) => sum + countBlockParams(spec), 0);
  const last = blocks[blocks.length - 1].outFilters;
  const top = conv(1, last, scaled.topFilters) + bn(scaled.topFilters);
  const classifier = classes === undefined
    ? 0
    : scaled.topFilters * classes + classes;
  return stem + body + top + classifier;
}
