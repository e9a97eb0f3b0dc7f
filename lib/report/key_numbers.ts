import { bestIndex, formatDuration, formatPercent } from "./format.ts";
import type { ReportData } from "./load_report_data.ts";
import { predictors } from "./predictors.ts";

/** A headline figure shown at the top of the report. */
export interface KeyNumber {
  /** What it is: "Top-1 accuracy". */
  label: string;
  /** The figure: "88.1%", or "n/a". */
  value: string;
  /** Where it comes from: "classifier, holdout split". */
  detail: string;
}

/**
 * The headline figures: top-1 accuracy and GAP of each predictor (or "n/a"
 * with the reason), then the best training epoch and the training time.
 */
export function keyNumbers(data: ReportData): KeyNumber[] {
  const numbers: KeyNumber[] = [];
  const { metrics, history } = data;
  const list = metrics ? predictors(metrics) : [];
  if (list.length === 0) {
    const why = metrics ? "metrics.json has no predictor" : "no evaluate input";
    numbers.push({ label: "Top-1 accuracy", value: "n/a", detail: why });
    numbers.push({ label: "GAP", value: "n/a", detail: why });
  }
  for (const p of list) {
    const on = metrics?.split ? `${p.title}, ${metrics.split} split` : p.title;
    const top1 = p.metrics.topk["1"];
    numbers.push({
      label: "Top-1 accuracy",
      value: top1 === undefined ? "n/a" : formatPercent(top1),
      detail: on,
    });
    numbers.push({
      label: "GAP",
      value: p.metrics.gap === null ? "n/a" : p.metrics.gap.toFixed(4),
      detail: on,
    });
  }
  if (history && history.epochs.length > 0) {
    const losses = history.epochs.map((e) => e.loss);
    const best = history.epochs[bestIndex(losses, "min")];
    numbers.push({
      label: "Best epoch",
      value: String(best.epoch),
      detail: `lowest training loss, ${best.loss.toFixed(4)}`,
    });
    const seconds = history.epochs.reduce((s, e) => s + (e.seconds ?? 0), 0);
    const planned = history.epochsPlanned ?? history.lrSchedule.length;
    numbers.push({
      label: "Epochs trained",
      value: planned
        ? `${history.epochs.length} of ${planned}`
        : String(history.epochs.length),
      detail: [
        seconds > 0 ? formatDuration(seconds * 1000) : "",
        history.backend ? `${history.backend} backend` : "",
      ].filter(Boolean).join(", ") || "training",
    });
  } else {
    numbers.push({
      label: "Best epoch",
      value: "n/a",
      detail: history ? "history has no epochs" : "no train input",
    });
  }
  return numbers;
}
