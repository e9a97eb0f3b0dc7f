import type { Labels } from "./artifact_schemas.ts";

/** Options of {@linkcode classNames}. */
export interface ClassNamesOptions {
  /** The number of classes. */
  classes: number;
  /** ingest/labels.json, when present. */
  labels?: Labels;
  /** evaluate/metrics.json `labels` (names or ids by class index), when present. */
  metricsLabels?: readonly (string | number | null)[];
}

/**
 * A display name per class index: the label's name, else its id, else the
 * index. Names are made unique (a repeated name gets " #<index>"), since the
 * charts use them as categories.
 */
export function classNames(options: ClassNamesOptions): string[] {
  const { classes, labels, metricsLabels } = options;
  const byLabel = new Map(labels?.map((l) => [l.label, l]));
  const names = Array.from({ length: classes }, (_, i) => {
    const label = byLabel.get(i);
    const name = label?.name ?? metricsLabels?.[i] ?? label?.id ?? i;
    return String(name);
  });
  const seen = new Map<string, number>();
  for (const name of names) seen.set(name, (seen.get(name) ?? 0) + 1);
  return names.map((name, i) => (seen.get(name)! > 1 ? `${name} #${i}` : name));
}
