/**
 * What one trained epoch leaves in history.json: its loss, accuracies with
 * and without the margin, learning rate and margin scale, timings, and the
 * holdout's scores when it was validated.
 *
 * @module
 */

/** One epoch's record in history.json. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** The learning rate of the epoch (of its first step when the rate moves every step). */
  lr: number;
  /** Mean cross-entropy over the epoch's batches. */
  loss: number;
  /** Top-k accuracy over the epoch on the training logits (with the margin, as the notebook counts it), by k. */
  accuracy: Record<string, number>;
  /** The same on the margin-free logits (what inference predicts), by k. */
  accuracyPlain?: Record<string, number>;
  /** The ArcFace margin scale at the epoch's end (a warm-up ramps it to 1). */
  marginScale?: number;
  /** The holdout after this epoch, when validated. */
  holdout?: ValidationRecord;
  /** Wall time of the epoch (validation included). */
  seconds: number;
  /** Training throughput. */
  imagesPerSecond: number;
}

/** The holdout's scores after one epoch. */
export interface ValidationRecord {
  /** Classifier (margin-free logits) top-1 accuracy. */
  top1: number;
  /** Classifier GAP. */
  gap: number;
  /** kNN top-1 accuracy (train embeddings as the index), when computed. */
  knnTop1?: number;
  /** kNN GAP, when computed. */
  knnGap?: number;
  /** Seconds the validation took. */
  seconds: number;
}
