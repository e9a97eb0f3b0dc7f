/**
 * Expands scaled stages into one spec per block, with Keras's names: stage
 * number from 1 and a letter per repeat (`block1a_`, `block2b_`, …), so that
 * weights import by name.
 *
 * @module
 */
import type { BlockType } from "./variants.ts";
import type { ScaledVariant } from "./scale.ts";

/** Everything needed to build one block. */
export interface BlockSpec {
  /** Layer-name prefix, e.g. `block4c_`. */
  prefix: string;
  /** One-based stage number. */
  stage: number;
  /** Zero-based repeat within the stage. */
  repeat: number;
  /** Zero-based index over all blocks. */
  index: number;
  /** Block type. */
  block: BlockType;
  /** Input channels. */
  inFilters: number;
  /** Output channels. */
  outFilters: number;
  /** Hidden channels (`inFilters · expand`). */
  hiddenFilters: number;
  /** Expansion ratio. */
  expand: number;
  /** Kernel size. */
  kernel: number;
  /** Stride (only a stage's first block may have 2). */
  stride: number;
  /** Squeeze-and-excite bottleneck channels, `max(1, ⌊inFilters·se⌋)`; 0 when the block has no SE. */
  seFilters: number;
  /** Drop-path rate of the residual branch: `dropPath · index / blocks`. */
  dropRate: number;
  /** True when the block adds its input back (stride 1 and equal widths). */
  residual: boolean;
}

/**
 * Keras's repeat letter: `a`…`z` (Keras would continue with `{`, which is
 * not a valid tfjs name; past 26 repeats this continues `aa`, `ab`, …).
 */
export function repeatLetter(repeat: number): string {
  const letter = (n: number) => String.fromCharCode(97 + n);
  return repeat < 26
    ? letter(repeat)
    : repeatLetter(Math.floor(repeat / 26) - 1) + letter(repeat % 26);
}

/**
 * One {@linkcode BlockSpec} per block. The first block of a stage takes the
 * stride and the width change; the drop-path rate rises linearly with the
 * block index as in google/automl (`drop_rate · idx / num_blocks`, over the
 * depth-scaled block count).
 */
export function expandBlocks(scaled: ScaledVariant): BlockSpec[] {
  const total = scaled.stages.reduce((sum, stage) => sum + stage.repeats, 0);
  const blocks: BlockSpec[] = [];
  scaled.stages.forEach((stage, s) => {
    for (let repeat = 0; repeat < stage.repeats; repeat++) {
      const inFilters = repeat === 0 ? stage.inFilters : stage.outFilters;
      const stride = repeat === 0 ? stage.stride : 1;
      const index = blocks.length;
      blocks.push({
        prefix: `block${s + 1}${repeatLetter(repeat)}_`,
        stage: s + 1,
        repeat,
        index,
        block: stage.block,
        inFilters,
        outFilters: stage.outFilters,
        hiddenFilters: inFilters * stage.expand,
        expand: stage.expand,
        kernel: stage.kernel,
        stride,
        seFilters: stage.se > 0
          ? Math.max(1, Math.floor(inFilters * stage.se))
          : 0,
        dropRate: (scaled.dropPath * index) / total,
        residual: stride === 1 && inFilters === stage.outFilters,
      });
    }
  });
  return blocks;
}
