import { MetricsError } from "./metrics_error.ts";

/**
 * 1 / ‖row‖₂ for each row of a row-major rows × dim matrix; 0 for a zero
 * row, so that its cosine similarity to anything is 0.
 *
 * @throws {MetricsError} when a value is NaN or infinite
 */
export function inverseNorms(
  input: string,
  values: Float32Array,
  dim: number,
): Float64Array {
  const rows = values.length / dim;
  const inverse = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let d = r * dim, end = d + dim; d < end; d++) {
      const v = values[d];
      if (!Number.isFinite(v)) {
        throw new MetricsError(
          `Cannot normalise ${input}: value "${v}" in row "${r}", column "${
            d - r * dim
          }"`,
          { input, query: r },
          "embeddings must be finite numbers",
        );
      }
      sum += v * v;
    }
    inverse[r] = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  }
  return inverse;
}
