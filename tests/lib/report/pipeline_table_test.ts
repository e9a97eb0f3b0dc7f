import assert from "node:assert/strict";
import { pipelineTable } from "../../../lib/report/_report_sections.ts";
import { RunRecordSchema } from "../../../lib/report/artifact_schemas.ts";
import type { ReportData } from "../../../lib/report/load_report_data.ts";

Deno.test("pipelineTable() says where each stage ran: the host, and the Slurm job when there was one", () => {
  const train = RunRecordSchema.parse({
    stage: "train",
    runId: "r1",
    where: { executor: "slurm", host: "gpu7", jobId: "4242" },
  });
  const ingest = RunRecordSchema.parse({
    stage: "ingest",
    runId: "r0",
    where: { executor: "local", host: "laptop" },
  });
  const old = RunRecordSchema.parse({ stage: "model", runId: "r0" });
  const html = pipelineTable({
    runs: [
      { ...ingest, input: "ingest" },
      { ...old, input: "model" },
      { ...train, input: "train" },
    ],
    currentRun: { source: "runner", id: "r1" },
  } as unknown as ReportData);
  assert.match(html, /ran on/);
  assert.match(html, /gpu7 \(Slurm job 4242\)/);
  assert.match(html, /laptop/);
});
