import assert from "node:assert/strict";
import { explainSlurmFailure } from "../../../runner/run/explain_slurm_failure.ts";
import type { SlurmJobEnd } from "../../../runner/child/slurm/mod.ts";

const key = (field: string) => `stages.train.${field}`;
const job = (state: string, more: Partial<SlurmJobEnd> = {}): SlurmJobEnd => ({
  jobId: "42",
  state,
  node: "gpu7",
  cancelledByRunner: false,
  ...more,
});

Deno.test("explainSlurmFailure() names Slurm's state and reason and the key to raise for memory and time", () => {
  const memory = explainSlurmFailure(
    "train",
    job("OUT_OF_MEMORY", { reason: "OutOfMemory" }),
    { memoryBytes: 8 * 2 ** 30 },
    key,
  )!;
  assert.equal(
    memory.message,
    'Stage "train" ran out of its 8 GiB memory limit and was ended (Slurm job 42 on gpu7: OUT_OF_MEMORY, OutOfMemory)',
  );
  assert.match(memory.hint!, /^raise stages\.train\.resources\.memory/);
  const time = explainSlurmFailure("train", job("TIMEOUT"), {}, key)!;
  assert.match(time.message, /the time limit Slurm gave its job/);
  assert.match(
    time.hint!,
    /^set stages\.train\.resources\.time; training resumes/,
  );
  const ownTime = explainSlurmFailure("train", job("TIMEOUT"), {
    timeMs: 7_200_000,
  }, key)!;
  assert.match(ownTime.message, /its time limit of 2h/);
  assert.match(ownTime.hint!, /^raise stages\.train\.resources\.time/);
});

Deno.test("explainSlurmFailure() tells a lost node, preemption and the two kinds of cancellation apart, and leaves a plain failure to the stage's own error", () => {
  assert.match(
    explainSlurmFailure(
      "train",
      job("NODE_FAIL", { reason: "NodeDown" }),
      {},
      key,
    )!.message,
    /was lost with its node \(Slurm job 42 on gpu7: NODE_FAIL, NodeDown\)/,
  );
  assert.match(
    explainSlurmFailure("train", job("PREEMPTED"), {}, key)!.hint!,
    /stages\.train\.resources\.partition/,
  );
  assert.match(
    explainSlurmFailure(
      "train",
      job("CANCELLED", {
        notice: "JOB 42 ON gpu7 CANCELLED AT 2026-12-01T10:00:00",
      }),
      {},
      key,
    )!.message,
    /cancelled in Slurm \(scancel, or an administrator\) .*Slurm said: JOB 42/,
  );
  assert.equal(
    explainSlurmFailure(
      "train",
      job("CANCELLED", { cancelledByRunner: true }),
      {},
      key,
    )!.message,
    'Stage "train" was cancelled: the run was interrupted (Slurm job 42 on gpu7)',
  );
  assert.equal(explainSlurmFailure("train", job("FAILED"), {}, key), undefined);
  assert.equal(
    explainSlurmFailure("train", job("COMPLETED"), {}, key),
    undefined,
  );
});
