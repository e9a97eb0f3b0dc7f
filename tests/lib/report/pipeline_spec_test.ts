import assert from "node:assert/strict";
import { pipelineSpec, renderSvg } from "../../../lib/report/mod.ts";

const RUNS = [
  { input: "ingest", stage: "ingest", runId: "a", durationMs: 4200 },
  { input: "train", stage: "train", runId: "b", durationMs: 95_000 },
];

Deno.test("pipelineSpec() tells stages run now from cached ones, with their times", async () => {
  const svg = await renderSvg(pipelineSpec(RUNS, "b")!);
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

Deno.test("pipelineSpec() is undefined without run records", () => {
  assert.equal(pipelineSpec([], "b"), undefined);
});
