import assert from "node:assert/strict";
import { pipelineSpec, renderSvg } from "../../../../lib/report/mod.ts";

const RUNS = [
  { input: "ingest", stage: "ingest", runId: "a", durationMs: 4200 },
  { input: "train", stage: "train", runId: "b", durationMs: 95_000 },
];

Deno.test("pipelineSpec() tells stages run now from cached ones, with their times", async () => {
  const svg = await renderSvg(
    pipelineSpec(RUNS, { source: "runner", id: "b" })!,
  );
  assert.match(
    svg,
    /1 of 2 stages ran in this run \(b\), 1 came from the cache/,
  );
  assert.match(svg, />4\.20 s</);
  assert.match(svg, />1 min 35 s</);
  assert.match(svg, />ran in this run</);
  assert.match(svg, />cached from an earlier run</);
  assert.doesNotMatch(svg, /run unknown/);
});

Deno.test("pipelineSpec() words an inferred run as the latest, not this one", async () => {
  const svg = await renderSvg(
    pipelineSpec(RUNS, { source: "latest-input", id: "b" })!,
  );
  assert.match(
    svg,
    /1 of 2 inputs come from the latest run \(b\), 1 from earlier runs/,
  );
  assert.match(svg, />from the latest run</);
  assert.match(svg, />from an earlier run</);
  assert.doesNotMatch(svg, /this run|came from the cache/);
});

Deno.test("pipelineSpec() is undefined without run records", () => {
  assert.equal(pipelineSpec([], { source: "runner", id: "b" }), undefined);
});
