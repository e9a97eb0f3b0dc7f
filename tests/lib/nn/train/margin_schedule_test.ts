import assert from "node:assert/strict";
import { marginScale } from "../../../../lib/nn/train/margin_schedule.ts";

Deno.test("marginScale() holds at 0, ramps linearly step by step, then stays at 1", () => {
  const warmup = { hold: 2, ramp: 4 };
  const steps = 10;
  const at = (epoch: number, step: number) =>
    marginScale(warmup, epoch, step, steps);
  assert.equal(at(0, 0), 0);
  assert.equal(at(1, 9), 0);
  assert.equal(at(2, 0), 0);
  assert.equal(at(2, 5), 0.5 / 4);
  assert.equal(at(3, 0), 1 / 4);
  assert.equal(at(5, 5), 3.5 / 4);
  assert.equal(at(6, 0), 1);
  assert.equal(at(40, 3), 1);
  // Monotone over a whole run.
  let previous = -1;
  for (let e = 0; e < 8; e++) {
    for (let s = 0; s < steps; s++) {
      assert.ok(at(e, s) >= previous);
      previous = at(e, s);
    }
  }
});

Deno.test("marginScale() with no ramp jumps from 0 to 1 after the hold, and no hold starts ramping at once", () => {
  assert.equal(marginScale({ hold: 3, ramp: 0 }, 2, 9, 10), 0);
  assert.equal(marginScale({ hold: 3, ramp: 0 }, 3, 0, 10), 1);
  assert.equal(marginScale({ hold: 0, ramp: 10 }, 0, 0, 10), 0);
  assert.equal(marginScale({ hold: 0, ramp: 10 }, 0, 5, 10), 0.05);
});
