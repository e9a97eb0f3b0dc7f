/**
 * Worker entry of one data-parallel replica: its own tfjs instance and wasm
 * backend (one core each), driven by the trainer through {@linkcode Request}
 * messages. Gradients and BatchNorm statistics go through a
 * SharedArrayBuffer with one region per replica.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { useBackend } from "../backend.ts";
import {
  createReplica,
  loadReplica,
  type ReplicaSetup,
  type Reply,
  type Request,
  saveReplica,
} from "./_replica_protocol.ts";
import type { TrainReplica } from "./train_replica.ts";

interface WorkerState {
  setup?: ReplicaSetup;
  replica?: TrainReplica;
  regions?: Float32Array[];
  index?: number;
}

/** Answers the trainer's requests one at a time (it never sends the next before the reply). */
function serve(): void {
  const state: WorkerState = {};
  self.onmessage = async (event: MessageEvent<Request>) => {
    let reply: Reply;
    try {
      reply = await handle(event.data, state);
    } catch (error) {
      const e = error as Error;
      const fields = Object.fromEntries(
        Object.entries(e).filter(([, v]) =>
          typeof v === "string" || typeof v === "number"
        ),
      ) as Record<string, string | number>;
      reply = {
        type: "error",
        name: e.name,
        message: e.message,
        stack: e.stack,
        fields,
      };
    }
    self.postMessage(reply);
    if (event.data.type === "dispose") self.close();
  };
}

serve();

async function handle(request: Request, s: WorkerState): Promise<Reply> {
  switch (request.type) {
    case "init": {
      const facts = await useBackend(request.setup.backend);
      s.setup = request.setup;
      s.replica = await createReplica(request.setup);
      const r = s.replica;
      return {
        type: "ready",
        facts,
        imgSize: r.imgSize,
        classes: r.classes,
        topK: r.topK,
        stateSize: r.stateSize,
      };
    }
    case "buffer": {
      const size = request.buffer.byteLength / 4 / request.replicas;
      s.regions = Array.from(
        { length: request.replicas },
        (_, r) => new Float32Array(request.buffer, r * size * 4, size),
      );
      s.index = request.index;
      return { type: "done" };
    }
    case "grad": {
      const replica = need(s.replica);
      const t0 = performance.now();
      const result = await replica.computeGradients(
        request.images,
        request.labels,
        request.options,
      );
      const t1 = performance.now();
      // A lone replica (no shared buffer) keeps its gradients as they are.
      if (s.regions !== undefined) {
        replica.exportState(s.regions[need(s.index)]);
      }
      return {
        type: "grads",
        result,
        ms: { compute: t1 - t0, exchange: performance.now() - t1 },
      };
    }
    case "apply": {
      const replica = need(s.replica);
      const t0 = performance.now();
      if (s.regions !== undefined) replica.combine(s.regions, request.weights);
      const t1 = performance.now();
      replica.apply(request.lr);
      return {
        type: "done",
        ms: { exchange: t1 - t0, update: performance.now() - t1 },
      };
    }
    case "predict":
      return {
        type: "predictions",
        prediction: await need(s.replica).predict(request.images),
      };
    case "discard":
      need(s.replica).discard();
      return { type: "done" };
    case "save":
      await saveReplica(need(s.replica), request.dir, request.state);
      return { type: "done" };
    case "load":
      return {
        type: "done",
        state: await loadReplica(
          need(s.replica),
          request.dir,
          need(s.setup).adam,
        ),
      };
    case "digest":
      return { type: "done", digest: await need(s.replica).weightsDigest() };
    case "dispose":
      s.replica?.dispose();
      return { type: "done" };
  }
}

function need<T>(value: T | undefined): T {
  if (value === undefined) {
    throw new Error(
      "Cannot handle the request: the replica is not initialised",
    );
  }
  return value;
}
