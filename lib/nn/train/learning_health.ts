/**
 * Learning-health checks over a run's history: a model that stays at
 * chance, a loss that stopped falling before the model learned, a model
 * that learned and then collapsed, and a holdout that gets worse while
 * training gets better. Each names its likely
 * causes and the params to try; the train stage prints each once.
 *
 * @module
 */
import type { EpochRecord } from "./epoch_record.ts";

/** One warning about a run. */
export interface HealthWarning {
  /** What kind of trouble (each kind is reported once per run). */
  kind: "chance" | "plateau" | "collapse" | "overfitting";
  /** What it looks like, why, and what to try. */
  message: string;
}

/** Epochs a condition must hold before it is reported. */
export const HEALTH_WINDOW = 3;

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The warnings `history` (so far) calls for; `classes` sets chance level. */
export function learningHealth(
  history: readonly EpochRecord[],
  classes: number | undefined,
): HealthWarning[] {
  const warnings: HealthWarning[] = [];
  const recent = history.slice(-HEALTH_WINDOW);
  if (recent.length < HEALTH_WINDOW) return warnings;
  const top1 = (r: EpochRecord) => r.accuracyPlain?.["1"] ?? r.accuracy["1"];
  if (classes !== undefined && classes > 1) {
    const chance = 1 / classes;
    // Within half of chance (plus a point) of it: noise, not learning.
    const atChance = (v: number | undefined) =>
      v !== undefined && v <= 1.5 * chance + 0.01;
    if (
      recent.every((r) =>
        atChance(top1(r)) &&
        (r.holdout === undefined || atChance(r.holdout.top1))
      )
    ) {
      const last = recent[recent.length - 1];
      warnings.push({
        kind: "chance",
        message:
          `the model is not learning: train top-1 (without the margin) has stayed at chance for ${HEALTH_WINDOW} epochs (${
            pct(top1(last) ?? 0)
          }; chance is ${pct(chance)} with ${classes} classes)${
            last.holdout
              ? `, and so has the holdout (${pct(last.holdout.top1)})`
              : ""
          }. Likely causes: an ArcFace margin too large for training from scratch, a learning rate far off, or labels that do not match the images. Try train.margin_warmup: { ramp_epochs: 10 }, a smaller model.head.arcface.m (0.2), model.head: { softmax: {} }, or another train.lr.max; check the labels`,
      });
    }
  }
  const [first, , last] = recent;
  const learned = top1(last) ?? 0;
  // The epoch with the best train top-1 before the recent window.
  let peak: EpochRecord | undefined;
  for (const r of history.slice(0, -HEALTH_WINDOW)) {
    if (peak === undefined || (top1(r) ?? 0) > (top1(peak) ?? 0)) peak = r;
  }
  const peakTop1 = peak === undefined ? 0 : top1(peak) ?? 0;
  const collapsed = peak !== undefined &&
    peakTop1 >= Math.max(0.1, 5 / (classes ?? 1)) &&
    recent.every((r) => (top1(r) ?? 0) < peakTop1 / 2);
  if (collapsed) {
    warnings.push({
      kind: "collapse",
      message:
        `the model learned and then collapsed: train top-1 (without the margin) fell from ${
          pct(peakTop1)
        } at epoch ${peak!.epoch} to ${pct(learned)}${
          last.holdout ? ` (holdout ${pct(last.holdout.top1)})` : ""
        }. With ArcFace from scratch this is the margin growing faster than the model can follow, often with GeM pooling or an embedding neck: try a longer train.margin_warmup ramp_epochs, a smaller model.head.arcface.m, a lower train.lr.max, pooling: avg without a neck, or model.head: { softmax: {} }. The loss may still fall while this happens: train.monitor: holdout_top1 keeps the checkpoint from before it`,
    });
  }
  // While a margin warm-up ramps, each epoch's loss is taken with a larger
  // margin than the last, so a loss that does not fall says nothing then.
  const marginSteady = recent.every((r) =>
    (r.marginScale ?? 1) === (first.marginScale ?? 1)
  );
  if (
    !collapsed && marginSteady && learned < 0.5 && first.loss > 0 &&
    (first.loss - last.loss) / first.loss < 0.01 &&
    history.length > HEALTH_WINDOW
  ) {
    warnings.push({
      kind: "plateau",
      message: `the loss has stopped falling before the model learned: ${
        first.loss.toFixed(4)
      } → ${
        last.loss.toFixed(4)
      } over the last ${HEALTH_WINDOW} epochs with train top-1 (without the margin) at ${
        pct(learned)
      }. With ArcFace from scratch this is the margin's collapse: try train.margin_warmup: { ramp_epochs: 10 }, a smaller model.head.arcface.m or model.head: { softmax: {} }; otherwise a different train.lr`,
    });
  }
  const holdouts = recent.map((r) => r.holdout?.top1);
  if (
    holdouts.every((v) => v !== undefined) &&
    holdouts[2]! < holdouts[1]! && holdouts[1]! < holdouts[0]! &&
    (top1(last) ?? 0) > (top1(first) ?? 0)
  ) {
    warnings.push({
      kind: "overfitting",
      message:
        `the holdout is getting worse while training gets better: holdout top-1 ${
          holdouts.map((v) => pct(v!)).join(" → ")
        }, train top-1 ${pct(top1(first) ?? 0)} → ${
          pct(top1(last) ?? 0)
        }. Try decode.augment, more model.dropout, fewer train.epochs, or train.monitor: holdout_top1 with train.patience`,
    });
  }
  return warnings;
}
