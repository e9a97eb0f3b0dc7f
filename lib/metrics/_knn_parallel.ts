/**
 * The exact cosine kNN search split over threads: the calling thread and
 * Workers take blocks of queries from a shared counter (a Worker that starts
 * late simply takes fewer) and write their answers into shared results,
 * each thread on its own instance of the SIMD module. Private to
 * lib/metrics.
 *
 * @module
 */
import {
  blockClaimer,
  type KnnShareInput,
  type KnnShareOutput,
  MR,
  newResults,
  searchBlocks,
  type WorkerJob,
} from "./_knn_search.ts";

/** Multiply-adds below which one thread is faster than starting a Worker (~20 ms of work). */
const MIN_PARALLEL_WORK = 4e8;

/** What {@linkcode searchParallel} searches; shapes already checked. */
export interface ParallelSearchInput extends KnnShareInput {
  /** Threads to use at most (the calling one included). */
  threads: number;
}

/** Searches all queries on up to `threads` threads. */
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
      Math.ceil(n / MR),
      Math.ceil((n * t * dim) / MIN_PARALLEL_WORK),
    ),
  );
  const { threads: _, ...common } = input;
  if (threads === 1) {
    const out = newResults(n, k, classes, false);
    const counter = new Int32Array(1);
    searchBlocks(common, out, blockClaimer(n, input.blockSize, counter));
    return out;
  }
  // Started first: each Worker loads its modules while this thread copies the inputs.
  const workers = Array.from(
    { length: threads - 1 },
    () =>
      new Worker(new URL("./_knn_worker.ts", import.meta.url), {
        type: "module",
      }),
  );
  // About four blocks per thread (whole micro-panels), so the threads end together.
  const blockSize = Math.max(
    MR,
    Math.min(input.blockSize, MR * Math.ceil(n / (4 * threads) / MR)),
  );
  const job: WorkerJob = {
    input: {
      ...common,
      blockSize,
      queries: shared(input.queries),
      queryInverseNorms: shared(input.queryInverseNorms),
      train: shared(input.train),
      trainInverseNorms: shared(input.trainInverseNorms),
      trainLabels: shared(input.trainLabels),
    },
    out: newResults(n, k, classes, true),
    counter: new Int32Array(new SharedArrayBuffer(4)),
  };
  const others = workers.map((worker) => searchInWorker(worker, job));
  // The workers' failures surface below, after this thread's blocks.
  others.forEach((p) => p.catch(() => {}));
  searchBlocks(job.input, job.out, blockClaimer(n, blockSize, job.counter));
  await Promise.all(others);
  return {
    neighbours: job.out.neighbours.slice(),
    similarities: job.out.similarities.slice(),
    classBest: job.out.classBest.slice(),
  };
}

/** A copy of `array` on a SharedArrayBuffer. */
function shared<T extends Float32Array | Float64Array | Int32Array>(
  array: T,
): T {
  const Kind = array.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Kind(new SharedArrayBuffer(array.byteLength));
  copy.set(array as never);
  return copy;
}

type WorkerReply = { ok: true } | {
  ok: false;
  message: string;
  stack?: string;
};

/** Hands `job` to `worker`, which takes blocks until none is left, then ends it. */
function searchInWorker(worker: Worker, job: WorkerJob): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if (reply.ok) resolve();
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
    worker.postMessage(job);
  });
}
