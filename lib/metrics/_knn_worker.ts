/**
 * Worker entry of the parallel kNN search: takes blocks of queries from the
 * shared counter until none is left ({@linkcode searchBlocks}), writing into
 * the shared results, then says it is done.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { blockClaimer, searchBlocks, type WorkerJob } from "./_knn_search.ts";

self.onmessage = (event: MessageEvent<WorkerJob>) => {
  const { input, out, counter } = event.data;
  try {
    const n = input.queryInverseNorms.length;
    searchBlocks(input, out, blockClaimer(n, input.blockSize, counter));
    self.postMessage({ ok: true });
  } catch (error) {
    const e = error as Error;
    self.postMessage({ ok: false, message: e.message, stack: e.stack });
  }
  self.close();
};
