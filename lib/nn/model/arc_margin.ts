/**
 * The ArcFace additive angular margin (Deng et al. 2019,
 * arXiv:1801.07698) as tensor functions, following the Landmark 2021
 * notebook's `ArcMarginProduct` (itself after lyakaap's Landmark 2019
 * solution):
 *
 *   cos  = normalize(x, axis 1) · normalize(W, axis 0)          [B, n]
 *   phi  = cos·cos m − sin·sin m                                 (= cos(θ + m))
 *   phi  = cos > th ? phi : cos − mm   with th = cos(π − m), mm = sin(π − m)·m
 *   y    = (1 − ε)·onehot + ε/n                                   (label smoothing, ε = ls_eps)
 *   out  = s·(y·phi + (1 − y)·cos)
 *
 * `easyMargin` replaces the fallback with `cos > 0 ? phi : cos` (the
 * notebook accepts the flag but never applies it). Sub-centre ArcFace
 * (Deng et al. 2020) keeps k centres per class and takes the max cosine.
 *
 * Numerics: sin = sqrt(1 − cos²) is taken on cos clamped to (−1 + ε, 1 − ε),
 * so the gradient stays finite at |cos| = 1; masks come from `tf.step`
 * because tfjs has no gradient for `Greater`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-layers' bundle registers the gradients of every core op (tfjs-core alone does not).
import "@tensorflow/tfjs-layers";
import {
  fusedArcMargin,
  hasFusedArcMargin,
} from "../kernels/fused_arc_margin.ts";

/** The margin's parameters. */
export interface ArcMarginOptions {
  /** Scale s applied to the logits. */
  s: number;
  /** Additive angular margin m, in radians. */
  m: number;
  /** Use `cos > 0 ? phi : cos` instead of the th/mm fallback. */
  easyMargin: boolean;
  /** Label smoothing ε on the one-hot target of the margin. */
  lsEps: number;
  /** Centres per class (sub-centre ArcFace); 1 is plain ArcFace. */
  subcenters: number;
}

/** Clamp margin before sqrt(1 − cos²). */
export const COS_EPSILON = 1e-6;

/** L2-normalises along `axis` as TF does: x / sqrt(max(Σx², 1e-12)). */
export function l2Normalize<T extends tf.Tensor>(x: T, axis: number): T {
  return tf.tidy(() => {
    const sumSquares = tf.sum(tf.square(x), axis, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(sumSquares, 1e-12))) as T;
  });
}

/**
 * Cosine between each embedding and each class: `[B, D] × [D, n·k] → [B, n]`,
 * the max over a class's k centres (centres of class c are columns c·k … c·k + k − 1).
 */
export function classCosine(
  features: tf.Tensor2D,
  weights: tf.Tensor2D,
  subcenters: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const cos: tf.Tensor2D = tf.matMul(
      l2Normalize(features, 1),
      l2Normalize(weights, 0),
    );
    if (subcenters === 1) return cos;
    const [batch, columns] = cos.shape;
    return tf.max(
      tf.reshape(cos, [batch, columns / subcenters, subcenters]),
      2,
    ) as tf.Tensor2D;
  });
}

/**
 * Training logits with the margin applied to each sample's true class:
 * `[B, n]`. `margins`, when given, holds one margin per class (`[n]`, e.g.
 * dynamic margins by class frequency) and replaces `options.m`.
 */
export function arcMarginLogits(
  features: tf.Tensor2D,
  weights: tf.Tensor2D,
  labels: tf.Tensor,
  options: ArcMarginOptions,
  margins?: tf.Tensor1D,
): tf.Tensor2D {
  return tf.tidy(() =>
    marginLogits(
      classCosine(features, weights, options.subcenters),
      labels,
      options,
      margins,
    )
  );
}

/**
 * The margin applied to cosines `cos` (`[B, n]`) at each sample's true class,
 * scaled by s: the second half of {@linkcode arcMarginLogits}.
 */
export function marginLogits(
  cos: tf.Tensor2D,
  labels: tf.Tensor,
  options: ArcMarginOptions,
  margins?: tf.Tensor1D,
): tf.Tensor2D {
  const { s, m, easyMargin, lsEps } = options;
  // One fused op where the backend has it (webgpu), the same maths.
  if (hasFusedArcMargin()) {
    const attrs = { s, m, easyMargin, lsEps, cosEpsilon: COS_EPSILON };
    return fusedArcMargin(cos, labels, attrs, margins);
  }
  // cos m, sin m, th and mm: numbers for one margin, [1, n] rows for per-class margins.
  const trig = (f: (m: number) => number, g: (m: tf.Tensor) => tf.Tensor) =>
    margins === undefined ? f(m) : tf.reshape(g(margins), [1, -1]);
  return tf.tidy(() => {
    const cosM = trig(Math.cos, tf.cos);
    const sinM = trig(Math.sin, tf.sin);
    const th = trig((m) => Math.cos(Math.PI - m), (m) => tf.neg(tf.cos(m)));
    const mm = trig(
      (m) => Math.sin(Math.PI - m) * m,
      (m) => tf.mul(tf.sin(m), m),
    );
    const nClasses = cos.shape[1];
    const clamped = tf.clipByValue(cos, -1 + COS_EPSILON, 1 - COS_EPSILON);
    const sin = tf.sqrt(tf.sub(1, tf.square(clamped)));
    let phi = tf.sub(tf.mul(cos, cosM), tf.mul(sin, sinM));
    // where(cond, phi, other) as mask·phi + (1 − mask)·other; step(x) = x > 0 ? 1 : 0.
    const mask = tf.step(easyMargin ? cos : tf.sub(cos, th));
    const other = easyMargin ? cos : tf.sub(cos, mm);
    phi = tf.add(tf.mul(mask, phi), tf.mul(tf.sub(1, mask), other));
    const indices = tf.cast(tf.reshape(labels, [-1]), "int32");
    // oneHot in its default int32, then cast: tfjs-backend-wasm 4.22's OneHot
    // with dtype "float32" writes the int32 bit pattern of 1 (1.4e-45), which
    // silently removed the margin from every wasm training step.
    let target: tf.Tensor = tf.cast(tf.oneHot(indices, nClasses), "float32");
    if (lsEps > 0) target = tf.add(tf.mul(target, 1 - lsEps), lsEps / nClasses);
    const out = tf.add(tf.mul(target, phi), tf.mul(tf.sub(1, target), cos));
    return tf.mul(out, s) as tf.Tensor2D;
  });
}

/**
 * Dynamic margins by class frequency (Ha et al., Google Landmark Recognition
 * 2020, arXiv:2010.05350): rare classes get larger margins. With `n_c` the
 * class's train count, `r_c = n_c^(−power)` is mapped linearly onto
 * `[min, max]` (the rarest class gets `max`); classes of equal count share
 * one margin, and a class without images counts as one image.
 */
export function dynamicMargins(
  counts: readonly number[],
  options: { min: number; max: number; power?: number },
): number[] {
  const power = options.power ?? 0.25;
  const raw = counts.map((n) => Math.max(1, n) ** -power);
  const lo = Math.min(...raw), hi = Math.max(...raw);
  return raw.map((r) =>
    hi === lo
      ? options.max
      : options.min + (options.max - options.min) * (r - lo) / (hi - lo)
  );
}
