/** A duration for people: "0.42 s", "12.3 s", "3 min 12 s", "1 h 02 min". */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) {
    return `${Math.floor(s / 60)} min ${
      String(Math.round(s % 60)).padStart(2, "0")
    } s`;
  }
  return `${Math.floor(s / 3600)} h ${
    String(Math.floor((s % 3600) / 60)).padStart(2, "0")
  } min`;
}

/** A learning rate or other small number in exponent notation: 2e-4, 1.5e-5. */
export function formatExponent(value: number): string {
  if (value === 0) return "0";
  const [mantissa, exponent] = value.toExponential(3).split("e");
  return `${Number(mantissa)}e${Number(exponent)}`;
}

/** A fraction as a percentage with one decimal: 0.8812 → "88.1%". */
export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** The index of the first minimum (argmin) or maximum (argmax) of values. */
export function bestIndex(values: number[], best: "min" | "max"): number {
  let index = 0;
  for (let i = 1; i < values.length; i++) {
    if (
      best === "min" ? values[i] < values[index] : values[i] > values[index]
    ) {
      index = i;
    }
  }
  return index;
}
