/**
 * The Worker side of {@linkcode createTrainer}: R replica workers driven in
 * lock step (split the batch, gradients, combine, Adam).
 *
 * @module
 */
import type { Trainer } from "./trainer_interface.ts";
import type {
  ReplicaSetup,
  Reply,
  Request,
  StepTiming,
} from "./_replica_protocol.ts";

/** A worker and a one-request-at-a-time channel to it. */
class ReplicaWorker {
  #worker = new Worker(new URL("./_replica_worker.ts", import.meta.url).href, {
    type: "module",
  });
  #pending:
    | { resolve: (r: Reply) => void; reject: (e: Error) => void }
    | undefined;

  constructor(readonly index: number) {
    this.#worker.onmessage = (event: MessageEvent<Reply>) => {
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.resolve(event.data);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.reject(
        new Error(`Replica ${this.index} crashed: ${event.message}`),
      );
    };
  }

  async call(request: Request, transfer: Transferable[] = []): Promise<Reply> {
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(request, transfer);
    });
    if (reply.type === "error") {
      // The class does not cross the worker boundary; its name and fields do.
      const error = Object.assign(new Error(reply.message), reply.fields);
      error.name = reply.name;
      error.stack = `${reply.stack}\n    (in replica worker ${this.index})`;
      throw error;
    }
    return reply;
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/** Starts `replicas` workers and returns a trainer over them. */
export async function workerTrainer(
  setup: ReplicaSetup,
  replicas: number,
): Promise<Trainer> {
  const workers = Array.from(
    { length: replicas },
    (_, i) => new ReplicaWorker(i),
  );
  const all = (request: (w: ReplicaWorker) => Request) =>
    Promise.all(workers.map((w) => w.call(request(w))));
  let ready: Extract<Reply, { type: "ready" }>;
  try {
    ready = (await all((w) => ({
      type: "init",
      setup: { ...setup, replica: { index: w.index, count: replicas } },
    })))[0] as typeof ready;
    if (replicas > 1) {
      const buffer = new SharedArrayBuffer(4 * ready.stateSize * replicas);
      await all((w) => ({ type: "buffer", buffer, index: w.index, replicas }));
    }
  } catch (error) {
    for (const w of workers) w.terminate();
    throw error;
  }
  const pixels = ready.imgSize * ready.imgSize * 3;
  return {
    facts: ready.facts,
    imgSize: ready.imgSize,
    classes: ready.classes,
    topK: ready.topK,
    replicas,
    async step(images, labels, lr, options = {}) {
      const t0 = performance.now();
      const n = labels.length;
      if (images.length !== n * pixels) {
        throw new RangeError(
          `Cannot train on ${images.length} floats of images: ${n} labels need ${
            n * pixels
          }`,
        );
      }
      // Contiguous parts, the first ones one larger when n is not a multiple.
      const bounds = workers.map((_, r) => Math.floor((r * n) / replicas))
        .concat(n);
      const weights = workers.map((_, r) => (bounds[r + 1] - bounds[r]) / n);
      const replies = await Promise.all(workers.map((w, r) => {
        const [a, b] = [bounds[r], bounds[r + 1]];
        if (a === b) return Promise.resolve(undefined);
        const part = images.slice(a * pixels, b * pixels),
          partLabels = labels.slice(a, b);
        return w.call(
          { type: "grad", images: part, labels: partLabels, options },
          [part.buffer, partLabels.buffer],
        );
      }));
      let loss = 0;
      const zero = () =>
        Object.fromEntries(ready.topK.map((k) => [k, 0])) as Record<
          string,
          number
        >;
      const correct = zero(), correctPlain = zero();
      const ms: StepTiming = { compute: 0, exchange: 0, update: 0, total: 0 };
      const slowest = (reply: Reply | undefined) => {
        if ((reply?.type === "grads" || reply?.type === "done") && reply.ms) {
          for (const key of ["compute", "exchange", "update"] as const) {
            ms[key] = Math.max(ms[key], reply.ms[key] ?? 0);
          }
        }
      };
      replies.forEach((reply, r) => {
        if (reply?.type !== "grads") return;
        loss += weights[r] * reply.result.loss;
        for (const k of ready.topK) {
          correct[k] += reply.result.correct[k];
          correctPlain[k] += reply.result.correctPlain[k];
        }
        slowest(reply);
      });
      const applied = Number.isFinite(loss);
      const done = await all(() =>
        applied ? { type: "apply", weights, lr } : { type: "discard" }
      );
      done.forEach(slowest);
      ms.total = performance.now() - t0;
      return { loss, correct, correctPlain, applied, ms };
    },
    async predict(images) {
      // Replicas hold identical weights: split the batch across them.
      const n = images.length / pixels;
      const bounds = workers.map((_, r) => Math.floor((r * n) / replicas))
        .concat(n);
      const parts = await Promise.all(workers.map(async (w, r) => {
        if (bounds[r] === bounds[r + 1]) return undefined;
        const part = images.slice(bounds[r] * pixels, bounds[r + 1] * pixels);
        const reply = await w.call({ type: "predict", images: part }, [
          part.buffer,
        ]);
        return (reply as Extract<Reply, { type: "predictions" }>).prediction;
      }));
      const present = parts.filter((p) => p !== undefined);
      const concat = (key: "embeddings" | "logits") => {
        const out = new Float32Array(
          present.reduce((m, p) => m + p[key].length, 0),
        );
        let at = 0;
        for (const p of present) {
          out.set(p[key], at);
          at += p[key].length;
        }
        return out;
      };
      return {
        embeddings: concat("embeddings"),
        logits: concat("logits"),
        dims: present[0]?.dims ?? 0,
      };
    },
    async saveCheckpoint(dir, state) {
      await workers[0].call({ type: "save", dir, state: state ?? null });
    },
    async loadCheckpoint(dir) {
      const replies = await all(() => ({ type: "load", dir }));
      return (replies[0] as Extract<Reply, { type: "done" }>).state;
    },
    async replicaDigests() {
      return (await all(() => ({ type: "digest" }))).map((r) =>
        (r as Extract<Reply, { type: "done" }>).digest!
      );
    },
    async dispose() {
      await all(() => ({ type: "dispose" })).finally(() =>
        workers.forEach((w) => w.terminate())
      );
    },
  };
}
