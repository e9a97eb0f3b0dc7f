/**
 * The in-thread side of `createTrainer` (trainer.ts): one replica in the calling
 * thread, its gradients applied at once.
 *
 * @module
 */
import type { BackendFacts } from "../backend.ts";
import type { KerasAdamConfig } from "./keras_adam.ts";
import { loadReplica, saveReplica } from "./_replica_protocol.ts";
import type { TrainReplica } from "./train_replica.ts";
import type { Trainer } from "./trainer_interface.ts";

/** A trainer over one replica in this thread. */
export function localTrainer(
  replica: TrainReplica,
  facts: BackendFacts,
  adam: KerasAdamConfig,
): Trainer {
  return {
    facts,
    imgSize: replica.imgSize,
    classes: replica.classes,
    topK: replica.topK,
    replicas: 1,
    lag: replica.recordsWholeSteps ? 1 : 0,
    async step(images, labels, lr, options) {
      const t0 = performance.now();
      if (replica.recordsWholeSteps) {
        // Recorded now; the promise waits only for the readback.
        const pending = replica.stepRecorded(images, labels, lr, options);
        const recorded = performance.now() - t0;
        const result = await pending;
        const total = performance.now() - t0;
        return {
          ...result,
          ms: { compute: recorded, exchange: 0, update: 0, total },
        };
      }
      const { loss, correct, correctPlain } = await replica.computeGradients(
        images,
        labels,
        options,
      );
      const t1 = performance.now();
      const applied = Number.isFinite(loss);
      if (applied) replica.apply(lr);
      else replica.discard();
      const t2 = performance.now();
      return {
        loss,
        correct,
        correctPlain,
        applied,
        ms: { compute: t1 - t0, exchange: 0, update: t2 - t1, total: t2 - t0 },
      };
    },
    predict: (images) => replica.predict(images),
    saveCheckpoint: (dir, state) => saveReplica(replica, dir, state ?? null),
    loadCheckpoint: (dir) => loadReplica(replica, dir, adam),
    replicaDigests: async () => [await replica.weightsDigest()],
    dispose() {
      replica.dispose();
      return Promise.resolve();
    },
  };
}
