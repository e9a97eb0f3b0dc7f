/**
 * The ArcFace margin (lib/nn/model/arc_margin.ts's `marginLogits`) as one
 * fused op, for backends that register its kernels (webgpu: see
 * webgpu/arc_margin.ts). The op chain is about twenty elementwise ops over
 * `[B, classes]` forward and twice that backward; with 81,313 classes each
 * is a full pass over the logits. The maths is the op chain's:
 *
 *     sin = sqrt(1 − clip(cos, −1 + ε, 1 − ε)²),  phi = cos·cos m − sin·sin m
 *     phi = step(cos − th)·phi + (1 − step(cos − th))·(cos − mm)   (easy margin: th = mm = 0, other = cos)
 *     logits = s·(t·phi + (1 − t)·cos),  t = (1 − ε_ls)·onehot + ε_ls/n
 *
 * with th = −cos m, mm = sin m · m, and m per class when margins are given.
 * Only `cos` gets a gradient.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** Kernel name of the forward op: inputs {cos, labels (int32 [B])}, output logits. */
export const ARC_MARGIN = "ArcfaceMarginLogits";
/** Kernel name of its gradient: inputs {dy, cos, labels}, output dcos. */
export const ARC_MARGIN_GRAD = "ArcfaceMarginLogitsGrad";
/** The op with per-class margins: inputs {cos, labels, margins ([n])}. */
export const ARC_MARGIN_PER_CLASS = "ArcfaceMarginLogitsPerClass";
/** Its gradient: inputs {dy, cos, labels, margins}, output dcos. */
export const ARC_MARGIN_PER_CLASS_GRAD = "ArcfaceMarginLogitsPerClassGrad";

/** The op's attributes. */
export interface ArcMarginAttrs {
  /** Logit scale. */
  s: number;
  /** Margin (ignored when per-class margins are given). */
  m: number;
  /** Keras's easy margin. */
  easyMargin: boolean;
  /** Label smoothing ε. */
  lsEps: number;
  /** Lower bound of cos is −1 + cosEpsilon, upper 1 − cosEpsilon. */
  cosEpsilon: number;
}

/** Registers the ops' gradients (idempotent; the kernels are per backend). */
export function registerFusedArcMargin(): void {
  if (tf.getGradient(ARC_MARGIN) !== undefined) return;
  for (
    const [op, grad, inputs] of [
      [ARC_MARGIN, ARC_MARGIN_GRAD, ["cos", "labels"]],
      [ARC_MARGIN_PER_CLASS, ARC_MARGIN_PER_CLASS_GRAD, [
        "cos",
        "labels",
        "margins",
      ]],
    ] as const
  ) {
    tf.registerGradient({
      kernelName: op,
      inputsToSave: [...inputs],
      gradFunc: (dy, saved, attrs) => ({
        cos: () =>
          tf.engine().runKernel(
            grad,
            {
              dy: dy as tf.Tensor,
              ...Object.fromEntries(inputs.map((name, i) => [name, saved[i]])),
            },
            attrs,
          ) as tf.Tensor,
      }),
    });
  }
}

/** Whether the active backend has the fused kernel. */
export function hasFusedArcMargin(): boolean {
  return tf.getKernel(ARC_MARGIN, tf.getBackend()) !== undefined;
}

/** The margin logits through the fused op (call only where {@linkcode hasFusedArcMargin}). */
export function fusedArcMargin(
  cos: tf.Tensor2D,
  labels: tf.Tensor,
  attrs: ArcMarginAttrs,
  margins?: tf.Tensor1D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const indices = tf.cast(tf.reshape(labels, [-1]), "int32");
    return tf.engine().runKernel(
      margins ? ARC_MARGIN_PER_CLASS : ARC_MARGIN,
      { cos, labels: indices, ...(margins ? { margins } : {}) },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor2D;
  });
}
