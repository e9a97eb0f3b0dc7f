import assert from "node:assert/strict";
import {
  lrSchedule,
  pythonRound,
  rampCosineLr,
  stepLr,
} from "../../../../lib/nn/train/lr_schedule.ts";

// The notebook's lrfn, run by Python itself (math.cos in place of tf.math.cos).
const NOTEBOOK_LRFN = `
import json, math, sys
o = json.loads(sys.argv[1])
EPOCHS = o["epochs"]
def lrfn(epoch):
    LR_START = o["start"]
    LR_MAX = o["max"]
    LR_FINAL = o["final"]
    LR_RAMPUP_EPOCHS = o["rampup"]
    LR_SUSTAIN_EPOCHS = o["sustain"]
    DECAY_EPOCHS = EPOCHS - LR_RAMPUP_EPOCHS - LR_SUSTAIN_EPOCHS - 1
    if epoch < LR_RAMPUP_EPOCHS:
        lr = LR_START + (LR_MAX + LR_START) * (epoch / LR_RAMPUP_EPOCHS) ** o["exponent"]
    elif epoch < LR_RAMPUP_EPOCHS + LR_SUSTAIN_EPOCHS:
        lr = LR_MAX
    else:
        epoch_diff = epoch - LR_RAMPUP_EPOCHS - LR_SUSTAIN_EPOCHS + 1
        decay_factor = (epoch_diff / (DECAY_EPOCHS + 1)) * math.pi
        decay_factor = (math.cos(decay_factor) + 1) / 2
        lr = LR_FINAL + (LR_MAX - LR_FINAL) * decay_factor
    return round(lr, 8)
print(json.dumps([repr(lrfn(e)) for e in range(EPOCHS)]))
`;

async function pythonLrfn(options: Record<string, number>): Promise<number[]> {
  const { code, stdout, stderr } = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", NOTEBOOK_LRFN, JSON.stringify(options)],
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  return (JSON.parse(new TextDecoder().decode(stdout)) as string[]).map(Number);
}

const NOTEBOOK = {
  start: 1e-5,
  max: 2e-4,
  final: 2e-5,
  rampup: 3,
  sustain: 2,
  exponent: 2.5,
  epochs: 15,
};

Deno.test("rampCosineLr() equals the notebook's lrfn for all 15 epochs", async () => {
  const expected = await pythonLrfn(NOTEBOOK);
  assert.deepEqual(expected.length, 15);
  assert.deepEqual(lrSchedule({ kind: "ramp-cosine" }, 15), expected);
  // Spot values, so a broken Python run cannot hide a regression.
  assert.deepEqual(rampCosineLr(0), 1e-5);
  assert.deepEqual(rampCosineLr(3), 2e-4);
  assert.deepEqual(rampCosineLr(14), expected[14]);
});

Deno.test("lrSchedule() follows lrfn with other parameters", async () => {
  const options = {
    start: 3e-6,
    max: 1e-3,
    final: 1e-6,
    rampup: 2,
    sustain: 1,
    exponent: 1.7,
    epochs: 9,
  };
  const expected = await pythonLrfn(options);
  assert.deepEqual(
    lrSchedule({ kind: "ramp-cosine", ...options }, 9),
    expected,
  );
});

Deno.test("lrSchedule() with a constant rate repeats it", () => {
  assert.deepEqual(lrSchedule({ kind: "constant", lr: 1e-3 }, 3), [
    1e-3,
    1e-3,
    1e-3,
  ]);
  assert.throws(() => lrSchedule({ kind: "constant", lr: 0 }, 3), /lr 0/);
  assert.throws(() => lrSchedule({ kind: "constant", lr: 1 }, 0), /epochs 0/);
});

Deno.test("stepLr() moves linearly from each epoch's rate to the next's and holds the last", () => {
  const schedule = [1e-4, 3e-3, 1e-4];
  const close = (actual: number[], expected: number[]) =>
    actual.forEach((v, i) =>
      assert.ok(Math.abs(v - expected[i]) < 1e-12, `${actual} vs ${expected}`)
    );
  const epoch = (e: number) =>
    [0, 1, 2, 3].map((step) => stepLr(schedule, e, step, 4));
  close(epoch(0), [1e-4, 8.25e-4, 1.55e-3, 2.275e-3]);
  close(epoch(1), [3e-3, 2.275e-3, 1.55e-3, 8.25e-4]);
  close(epoch(2), [1e-4, 1e-4, 1e-4, 1e-4]);
});

Deno.test("pythonRound() rounds exact ties to even like Python's round", () => {
  // 1/512 = 0.001953125 exactly: a tie at 8 decimals.
  assert.deepEqual(pythonRound(0.001953125, 8), 0.00195312);
  assert.deepEqual(pythonRound(0.005859375, 8), 0.00585938);
  assert.deepEqual(pythonRound(-0.001953125, 8), -0.00195312);
  assert.deepEqual(pythonRound(2.675, 2), 2.67); // 2.675 is below the tie in binary
  assert.deepEqual(pythonRound(0.000123456789, 8), 0.00012346);
});
