import assert from "node:assert/strict";
import {
  epochMetricSpec,
  historyTopK,
  lrScheduleSpec,
  renderSvg,
} from "../../../../lib/report/mod.ts";
import type { History } from "../../../../lib/report/mod.ts";

const HISTORY: History = {
  epochsPlanned: 6,
  lrSchedule: [1e-5, 8e-5, 2e-4, 2e-4, 1e-4, 2e-5],
  epochs: [
    { epoch: 1, lr: 1e-5, loss: 3, accuracy: { "1": 0.2, "10": 0.6 } },
    { epoch: 2, lr: 8e-5, loss: 1.5, accuracy: { "1": 0.5, "10": 0.9 } },
    { epoch: 3, lr: 2e-4, loss: 1.5, accuracy: { "1": 0.5, "10": 0.8 } },
    { epoch: 4, lr: 2e-4, loss: 1.7, accuracy: { "1": 0.4, "10": 0.9 } },
  ],
};

type Layered = { layer: { data?: { values: { epoch: number }[] } }[] };

Deno.test("epochMetricSpec() marks the first lowest loss and the first highest accuracy", () => {
  const best = (metric: Parameters<typeof epochMetricSpec>[1]) =>
    (epochMetricSpec(HISTORY, metric) as Layered).layer[1].data!.values[0]
      .epoch;
  assert.equal(best({ kind: "loss" }), 2); // epochs 2 and 3 tie at 1.5
  assert.equal(best({ kind: "accuracy", k: "1" }), 2);
  assert.equal(best({ kind: "accuracy", k: "10" }), 2);
  assert.deepEqual(historyTopK(HISTORY), ["1", "10"]);
  assert.equal(
    epochMetricSpec(HISTORY, { kind: "accuracy", k: "100" }),
    undefined,
  );
});

Deno.test("epochMetricSpec() draws a red dot and spans all planned epochs", async () => {
  const svg = await renderSvg(epochMetricSpec(HISTORY, { kind: "loss" })!);
  assert.match(svg, /fill="#e45756"/);
  assert.match(svg, /best: epoch 2, 1\.5000 \(red dot\)/);
  // The epoch axis runs to the 6th planned epoch though 4 were trained.
  assert.match(svg, />6<\/text>/);
});

Deno.test("epochMetricSpec() and lrScheduleSpec() draw a single epoch around it", async () => {
  const one: History = {
    epochsPlanned: 1,
    lrSchedule: [1e-5],
    epochs: [{ epoch: 1, lr: 1e-5, loss: 2, accuracy: {} }],
  };
  for (
    const spec of [epochMetricSpec(one, { kind: "loss" }), lrScheduleSpec(one)]
  ) {
    const svg = await renderSvg(spec!);
    assert.match(svg, />1<\/text>/);
    assert.doesNotMatch(svg, /NaN/);
  }
});

Deno.test("lrScheduleSpec() shows every planned epoch in exponent notation", async () => {
  const spec = lrScheduleSpec(HISTORY) as unknown as {
    data: { values: { epoch: number; status: string }[] };
  };
  assert.deepEqual(
    spec.data.values.map((v) => v.status),
    ["trained", "trained", "trained", "trained", "planned", "planned"],
  );
  const svg = await renderSvg(lrScheduleSpec(HISTORY)!);
  assert.match(svg, />2e-4<\/text>/);
  assert.match(svg, /start 1e-5, max 2e-4, final 2e-5; 4 of 6 epochs trained/);
  assert.equal(lrScheduleSpec({ ...HISTORY, lrSchedule: [] }), undefined);
});
