/**
 * The size `materialize` stores an image at: resized so its shorter side is
 * the target, aspect kept. Shared by sharp's decoders and by materialize's
 * choice of the fast path (an image already at this size).
 *
 * @module
 */

/** The size of a `width`×`height` image resized so its shorter side is `size` (the longer side rounded, never below `size`). */
export function shorterSideSize(
  width: number,
  height: number,
  size: number,
): { width: number; height: number } {
  const scale = size / Math.min(width, height);
  return {
    width: width <= height ? size : Math.max(size, Math.round(width * scale)),
    height: height < width ? size : Math.max(size, Math.round(height * scale)),
  };
}
