/**
 * The notebook's square crop: the side is the shorter side, the offset runs
 * along the longer side only. Training draws the offset uniformly from
 * [0, long − short), like `tf.random.uniform(minval=0, maxval=long − short)`
 * (maxval excluded); evaluation takes the centre. Square images are not cropped.
 *
 * @module
 */
import type { Random } from "../random/keyed_random.ts";

/** A square region in pixels. */
export interface SquareCrop {
  /** Left edge. */
  left: number;
  /** Top edge. */
  top: number;
  /** Side length (the shorter side of the image). */
  side: number;
}

/** How to place the crop: a random offset (training) or the centre (evaluation). */
export type CropPlacement = Random | "center";

/**
 * The square crop of a `width`×`height` image.
 *
 * @example A random crop of a landscape image
 * ```ts
 * import { squareCrop } from "./square_crop.ts";
 * import { keyedRandom } from "../random/keyed_random.ts";
 * const crop = squareCrop(640, 480, keyedRandom(42, "crop", 0, 7));
 * if (crop.side !== 480 || crop.top !== 0 || crop.left >= 160) throw new Error();
 * ```
 */
export function squareCrop(
  width: number,
  height: number,
  placement: CropPlacement,
): SquareCrop {
  const side = Math.min(width, height);
  const slack = Math.max(width, height) - side;
  const offset = slack === 0
    ? 0
    : placement === "center"
    ? slack >> 1
    : placement.int(slack);
  return width >= height
    ? { left: offset, top: 0, side }
    : { left: 0, top: offset, side };
}
