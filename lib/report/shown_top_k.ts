/**
 * The top-k keys worth showing, ascending by k: those with k below the
 * class count. Top-k accuracy with k ≥ the class count is 100% by
 * definition (every class is within the top k), so a chart or table row
 * of it carries no information. With an unknown class count (0) every k
 * is shown.
 */
export function shownTopK(keys: Iterable<string>, classes: number): string[] {
  return [...new Set(keys)]
    .filter((k) => classes <= 0 || Number(k) < classes)
    .sort((a, b) => Number(a) - Number(b));
}

/** The sentence that says which top-k values were left out, or "". */
export function hiddenTopKNote(
  keys: Iterable<string>,
  classes: number,
): string {
  const shown = new Set(shownTopK(keys, classes));
  const hidden = [...new Set(keys)].filter((k) => !shown.has(k))
    .sort((a, b) => Number(a) - Number(b));
  if (hidden.length === 0) return "";
  return `Top-${
    hidden.join(", top-")
  } accuracy is not shown: with ${classes} classes, top-k for k ≥ ${classes} is 100% by definition.`;
}
