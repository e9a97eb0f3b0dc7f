/**
 * Worker entry of the parallel kNN search: searches the one share of
 * queries it is sent ({@linkcode searchShare}) and posts the answer back.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type KnnShareInput, searchShare } from "./_knn_search.ts";

self.onmessage = (event: MessageEvent<KnnShareInput>) => {
  try {
    const out = searchShare(event.data);
    self.postMessage({ ok: true, out }, [
      out.neighbours.buffer as ArrayBuffer,
      out.similarities.buffer as ArrayBuffer,
      out.classBest.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    const e = error as Error;
    self.postMessage({ ok: false, message: e.message, stack: e.stack });
  }
  self.close();
};
