/**
 * The ArcFace margin warm-up: training from scratch with the full margin
 * (m = 0.5) on few images per class collapses (the loss stalls near
 * log(classes) while nothing is learned), so the margin starts at 0 —
 * normalised-softmax (cosine) training — is held there for `hold` epochs,
 * then ramps linearly to its full value over `ramp` epochs, step by step:
 *
 *   scale(e) = clamp((e − hold) / ramp, 0, 1),   e = epoch + step / steps
 *
 * (with ramp 0, the scale jumps from 0 to 1 after `hold` epochs). The scale
 * multiplies every class's margin. It depends only on (epoch, step), so a
 * resumed run trains with exactly the same margins.
 *
 * @module
 */

/** The warm-up's shape, in epochs. */
export interface MarginWarmup {
  /** Epochs at margin 0 (a cosine-softmax warm start). */
  hold: number;
  /** Epochs of the linear ramp from 0 to the full margin. */
  ramp: number;
}

/** The margin scale at (0-based) `epoch`, `step` of `steps`. */
export function marginScale(
  warmup: MarginWarmup,
  epoch: number,
  step: number,
  steps: number,
): number {
  const e = epoch + step / Math.max(1, steps);
  if (warmup.ramp <= 0) return e >= warmup.hold ? 1 : 0;
  return Math.min(1, Math.max(0, (e - warmup.hold) / warmup.ramp));
}
