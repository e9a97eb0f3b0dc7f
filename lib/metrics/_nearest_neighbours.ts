/** Inputs of {@linkcode nearestNeighbours}; all shapes already checked. */
export interface NearestNeighboursInput {
  /** Row-major N × dim query embeddings. */
  queries: Float32Array;
  /** Row-major T × dim train embeddings. */
  train: Float32Array;
  /** 1/‖row‖ of each query and train row (0 for a zero row). */
  queryInverseNorms: Float64Array;
  trainInverseNorms: Float64Array;
  dim: number;
  /** Neighbours kept per query, 1 ≤ k ≤ T. */
  k: number;
  /** Queries processed together (they share each train row while it is in cache). */
  chunkSize: number;
  /** When given: train labels, and an N × classes output for each class's best similarity. */
  classBest?: {
    trainLabels: ArrayLike<number>;
    classes: number;
    out: Float32Array;
  };
}

/** The k nearest train rows of each query (row-major N × k), nearest first. */
export interface NearestNeighbours {
  neighbours: Int32Array;
  similarities: Float32Array;
}

/**
 * Exact cosine k-nearest-neighbour search without an N × T similarity
 * matrix: queries go in chunks; for each train row t, the similarity to
 * every query of the chunk is computed and offered at once to that query's
 * sorted top-k list, so memory is O(chunk × k) beyond the outputs. Order:
 * similarity descending, train index ascending (train rows are visited in
 * order and an equal similarity never displaces an earlier row).
 */
export function nearestNeighbours(
  input: NearestNeighboursInput,
): NearestNeighbours {
  const { queries, train, dim, k, chunkSize, classBest } = input;
  const invQ = input.queryInverseNorms;
  const invT = input.trainInverseNorms;
  const n = invQ.length;
  const t = invT.length;
  const neighbours = new Int32Array(n * k);
  const similarities = new Float32Array(n * k);
  classBest?.out.fill(-Infinity);
  // Per-chunk sorted lists, kept in float64 so ranking uses full precision.
  const heapSim = new Float64Array(chunkSize * k);
  const heapIdx = new Int32Array(chunkSize * k);
  const filled = new Int32Array(chunkSize);

  const offer = (slot: number, sim: number, row: number) => {
    const base = slot * k;
    let j = filled[slot];
    if (j === k) {
      if (!(sim > heapSim[base + k - 1])) return;
      j = k - 1;
    } else {
      filled[slot] = j + 1;
    }
    // Shift strictly smaller entries down; equal ones stay ahead (lower index).
    while (j > 0 && heapSim[base + j - 1] < sim) {
      heapSim[base + j] = heapSim[base + j - 1];
      heapIdx[base + j] = heapIdx[base + j - 1];
      j--;
    }
    heapSim[base + j] = sim;
    heapIdx[base + j] = row;
  };
  const best = classBest?.out;
  const labels = classBest?.trainLabels;
  const classes = classBest?.classes ?? 0;
  const noteClass = (q: number, row: number, sim: number) => {
    if (best === undefined || labels === undefined) return;
    const at = q * classes + labels[row];
    if (sim > best[at]) best[at] = sim;
  };

  for (let q0 = 0; q0 < n; q0 += chunkSize) {
    const q1 = Math.min(n, q0 + chunkSize);
    filled.fill(0);
    for (let row = 0; row < t; row++) {
      const tb = row * dim;
      const it = invT[row];
      let q = q0;
      // Four queries per pass over the train row: one load of train[d], four products.
      for (; q + 4 <= q1; q += 4) {
        const a = q * dim;
        const b = a + dim;
        const c = b + dim;
        const e = c + dim;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let d = 0; d < dim; d++) {
          const v = train[tb + d];
          s0 += queries[a + d] * v;
          s1 += queries[b + d] * v;
          s2 += queries[c + d] * v;
          s3 += queries[e + d] * v;
        }
        s0 *= invQ[q] * it;
        s1 *= invQ[q + 1] * it;
        s2 *= invQ[q + 2] * it;
        s3 *= invQ[q + 3] * it;
        offer(q - q0, s0, row);
        offer(q + 1 - q0, s1, row);
        offer(q + 2 - q0, s2, row);
        offer(q + 3 - q0, s3, row);
        noteClass(q, row, s0);
        noteClass(q + 1, row, s1);
        noteClass(q + 2, row, s2);
        noteClass(q + 3, row, s3);
      }
      for (; q < q1; q++) {
        const a = q * dim;
        let s = 0;
        for (let d = 0; d < dim; d++) s += queries[a + d] * train[tb + d];
        s *= invQ[q] * it;
        offer(q - q0, s, row);
        noteClass(q, row, s);
      }
    }
    neighbours.set(heapIdx.subarray(0, (q1 - q0) * k), q0 * k);
    similarities.set(heapSim.subarray(0, (q1 - q0) * k), q0 * k);
  }
  return { neighbours, similarities };
}
