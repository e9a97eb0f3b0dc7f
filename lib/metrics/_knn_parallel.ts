/**
 * The exact cosine kNN search split over threads: the calling thread
 * searches the first share of the queries while Workers search the others,
 * each on its own instance of the SIMD module. Private to lib/metrics.
 *
 * @module
 */
import {
  type KnnShareInput,
  type KnnShareOutput,
  searchShare,
} from "./_knn_search.ts";

/** Multiply-adds below which one thread is faster than starting a Worker (~20 ms of work). */
const MIN_PARALLEL_WORK = 4e8;

/** What {@linkcode searchParallel} searches; shapes already checked. */
export interface ParallelSearchInput extends KnnShareInput {
  /** Threads to use at most (the calling one included). */
  threads: number;
}

/** Searches all queries, in up to `threads` shares. */
export async function searchParallel(
  input: ParallelSearchInput,
): Promise<KnnShareOutput> {
  const { dim, k, classes } = input;
  const n = input.queryInverseNorms.length;
  const t = input.trainInverseNorms.length;
  const threads = Math.max(
    1,
    Math.min(
      input.threads,
      Math.ceil(n / 3),
      Math.ceil((n * t * dim) / MIN_PARALLEL_WORK),
    ),
  );
  const { threads: _, ...common } = input;
  if (threads === 1) return searchShare(common);
  const bounds = Array.from(
    { length: threads + 1 },
    (_, i) => Math.round((i * n) / threads),
  );
  const share = (i: number): KnnShareInput => ({
    ...common,
    queries: input.queries.subarray(bounds[i] * dim, bounds[i + 1] * dim),
    queryInverseNorms: input.queryInverseNorms.subarray(
      bounds[i],
      bounds[i + 1],
    ),
  });
  const others = Array.from(
    { length: threads - 1 },
    (_, i) => inWorker(share(i + 1)),
  );
  // The workers' failures surface below, after this thread's share.
  others.forEach((p) => p.catch(() => {}));
  const parts = [searchShare(share(0)), ...await Promise.all(others)];
  const neighbours = new Int32Array(n * k);
  const similarities = new Float64Array(n * k);
  const classBest = new Float32Array(n * classes);
  parts.forEach((part, i) => {
    neighbours.set(part.neighbours, bounds[i] * k);
    similarities.set(part.similarities, bounds[i] * k);
    classBest.set(part.classBest, bounds[i] * classes);
  });
  return { neighbours, similarities, classBest };
}

type WorkerReply =
  | { ok: true; out: KnnShareOutput }
  | { ok: false; message: string; stack?: string };

function inWorker(share: KnnShareInput): Promise<KnnShareOutput> {
  const worker = new Worker(new URL("./_knn_worker.ts", import.meta.url), {
    type: "module",
  });
  return new Promise<KnnShareOutput>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if (reply.ok) resolve(reply.out);
      else {
        const error = new Error(reply.message);
        error.stack = `${reply.stack}\n    (in a kNN worker)`;
        reject(error);
      }
      worker.terminate();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`Cannot search in a kNN worker: ${event.message}`));
      worker.terminate();
    };
    worker.postMessage(share);
  });
}
