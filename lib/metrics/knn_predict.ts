import { checkClasses, checkLabels } from "./_validate.ts";
import { inverseNorms } from "./_inverse_norms.ts";
import { searchParallel } from "./_knn_parallel.ts";
import type { Predictions } from "./argmax_predictions.ts";
import { MetricsError } from "./metrics_error.ts";

/** How the k neighbours of a query vote for its class. */
export const KNN_VOTINGS = ["majority", "sum", "max"] as const;

/**
 * How the k neighbours of a query vote for its class; the class's score is:
 * - `majority`: the fraction of the k neighbours that belong to it;
 * - `sum`: the sum of their cosine similarities divided by k (the landmark
 *   retrieval way: near neighbours weigh more, many far ones add up);
 * - `max`: the similarity of its nearest neighbour among the k.
 */
export type KnnVoting = typeof KNN_VOTINGS[number];

/** Options of {@linkcode knnPredict}. */
export interface KnnPredictOptions {
  /** Row-major N × dim query embeddings (need not be normalised). */
  queries: Float32Array;
  /** Row-major T × dim train embeddings (need not be normalised). */
  train: Float32Array;
  /** The class of each train row. */
  trainLabels: ArrayLike<number>;
  /** The embedding size. */
  dim: number;
  /** The number of classes. */
  classes: number;
  /** Neighbours per query, capped at T. @default 5 */
  k?: number;
  /** How neighbours vote. @default "sum" */
  voting?: KnnVoting;
  /** Queries searched together; bounds the working memory (per-class and candidate state). @default 256 */
  chunkSize?: number;
  /**
   * Threads to search on: this one and Workers (small searches use one).
   * @default navigator.hardwareConcurrency, at most 8
   */
  threads?: number;
  /** Whether to return the N × classes score matrix (for top-k accuracy). @default true */
  classScores?: boolean;
}

/** kNN predictions, plus what they were made from. */
export interface KnnPredictions extends Predictions {
  /** The k actually used (the requested k capped at the train set size). */
  k: number;
  /** Row-major N × k train indices, nearest first (ties: lower train index first). */
  neighbours: Int32Array;
  /** Row-major N × k cosine similarities matching `neighbours`. */
  similarities: Float32Array;
  /**
   * Row-major N × classes ranking scores, or null when not asked for. A class
   * that got votes scores its vote (see {@linkcode KnnVoting}); any other
   * class scores `-3 + s`, where s is the similarity of its nearest train
   * row (-Infinity when it has none): below every voted class, and ordered
   * among themselves by how near they come. So top-k accuracy for k beyond
   * the voted classes still measures retrieval, not class-index luck.
   */
  scores: Float32Array | null;
}

/**
 * Predicts each query's class from its k nearest train embeddings by cosine
 * similarity (both sides L2-normalised; a zero vector has similarity 0 to
 * everything). The predicted label is the class with the highest vote
 * (ties: lowest class index) and its confidence is that vote, e.g. for
 * `sum` the mean similarity mass of the winning class over the k
 * neighbours, in [-1, 1].
 *
 * Exact search in O(N·T·dim) time and O(chunk·(k + classes) + N·classes)
 * memory beyond a copy of the embeddings: no N × T similarity matrix is
 * built. A float32 SIMD filter (fused multiply-adds, both cores) keeps the
 * rows that may be among the k nearest, and those are scored again in
 * float64: the results equal a float64 scan in train order, bit for bit.
 *
 * @example Two clusters
 * ```ts
 * import { knnPredict } from "./knn_predict.ts";
 *
 * const train = new Float32Array([1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9]);
 * const result = await knnPredict({
 *   queries: new Float32Array([0.8, 0.2]),
 *   train,
 *   trainLabels: [0, 0, 1, 1],
 *   dim: 2,
 *   classes: 2,
 *   k: 3,
 *   voting: "majority",
 * });
 * // result.label[0] === 0, result.confidence[0] ≈ 2/3
 * ```
 *
 * @throws {MetricsError} on shape mismatches, non-finite embeddings,
 *   labels out of range, an empty train set or a bad k or voting
 */
export async function knnPredict(
  options: KnnPredictOptions,
): Promise<KnnPredictions> {
  const {
    queries,
    train,
    trainLabels,
    dim,
    classes,
    k: requestedK = 5,
    voting = "sum",
    chunkSize = 256,
    classScores = true,
    threads = Math.min(8, navigator.hardwareConcurrency),
  } = options;
  const action = "predict by nearest neighbours";
  checkClasses(action, classes);
  if (!Number.isInteger(dim) || dim < 1) {
    throw new MetricsError(`Cannot ${action}: dim is "${dim}"`, {
      input: "dim",
    });
  }
  for (const [input, values] of [["queries", queries], ["train", train]]) {
    if (values.length % dim !== 0) {
      throw new MetricsError(
        `Cannot ${action}: ${input} has "${values.length}" values, not a multiple of dim "${dim}"`,
        { input: input as string },
        "embeddings are row-major rows × dim",
      );
    }
  }
  const n = queries.length / dim;
  const t = train.length / dim;
  if (t === 0) {
    throw new MetricsError(`Cannot ${action}: the train set is empty`, {
      input: "train",
    });
  }
  checkLabels(action, "trainLabels", trainLabels, t, classes);
  if (!Number.isInteger(requestedK) || requestedK < 1) {
    throw new MetricsError(`Cannot ${action}: k is "${requestedK}"`, {
      input: "k",
    }, "k is a positive integer");
  }
  if (!(KNN_VOTINGS as readonly string[]).includes(voting)) {
    throw new MetricsError(`Cannot ${action}: voting is "${voting}"`, {
      input: "voting",
    }, `choose one of ${KNN_VOTINGS.join(", ")}`);
  }
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new MetricsError(`Cannot ${action}: chunkSize is "${chunkSize}"`, {
      input: "chunkSize",
    });
  }
  if (!Number.isInteger(threads) || threads < 1) {
    throw new MetricsError(`Cannot ${action}: threads is "${threads}"`, {
      input: "threads",
    });
  }
  const k = Math.min(requestedK, t);
  const queryInverseNorms = inverseNorms("queries", queries, dim);
  const trainInverseNorms = inverseNorms("train", train, dim);
  const found = await searchParallel({
    queries,
    train,
    queryInverseNorms,
    trainInverseNorms,
    trainLabels: Int32Array.from(trainLabels),
    dim,
    k,
    classes: classScores ? classes : 0,
    blockSize: chunkSize,
    threads,
  });
  const neighbours = found.neighbours;
  const similarities = Float32Array.from(found.similarities);
  const scores = classScores ? found.classBest : null;

  const label = new Int32Array(n);
  const confidence = new Float32Array(n);
  const vote = new Float64Array(classes); // reset after each query, only where touched
  const touched: number[] = [];
  for (let q = 0; q < n; q++) {
    touched.length = 0;
    for (let j = q * k; j < (q + 1) * k; j++) {
      const c = trainLabels[neighbours[j]];
      const s = similarities[j];
      const first = !touched.includes(c);
      if (first) touched.push(c);
      switch (voting) {
        case "majority":
          vote[c] += 1 / k;
          break;
        case "sum":
          vote[c] += s / k;
          break;
        case "max":
          // Neighbours come nearest first: the first one of a class is its max.
          if (first) vote[c] = s;
          break;
      }
    }
    let winner = touched[0];
    for (const c of touched) {
      if (vote[c] > vote[winner] || (vote[c] === vote[winner] && c < winner)) {
        winner = c;
      }
    }
    label[q] = winner;
    confidence[q] = vote[winner];
    if (scores) {
      const row = q * classes;
      for (let c = 0; c < classes; c++) scores[row + c] -= 3;
      for (const c of touched) scores[row + c] = vote[c];
    }
    for (const c of touched) vote[c] = 0;
  }
  return { label, confidence, k, neighbours, similarities, scores };
}
