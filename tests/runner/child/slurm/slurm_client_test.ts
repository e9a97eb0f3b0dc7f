import assert from "node:assert/strict";
import { parseJobLine } from "../../../../runner/child/slurm/slurm_client.ts";

// Lines as Slurm 22.05's `scontrol show job -o` printed them on the test cluster.
const RUNNING =
  "JobId=6576003 JobName=toy:cat UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=1 Nice=0 Account=(null) QOS=(null) JobState=RUNNING Reason=None Dependency=(null) Requeue=0 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:01 TimeLimit=UNLIMITED TimeMin=N/A SubmitTime=2026-12-01T10:41:57 NodeList=vm BatchHost=vm NumNodes=1 NumCPUs=1 MinMemoryNode=0 Command=/tmp/toy/.cache/jobs/ce48/job.sh WorkDir=/tmp/toy";
const OOM =
  "JobId=1 JobName=wrap UserId=root(0) JobState=OUT_OF_MEMORY Reason=OutOfMemory Dependency=(null) ExitCode=0:125 NodeList=vm BatchHost=vm MinMemoryNode=100M";
const PENDING =
  "JobId=12 JobName=big:train JobState=PENDING Reason=Resources ExitCode=0:0 NodeList=(null) BatchHost=(null)";

Deno.test("parseJobLine() reads the state, reason, node and exit of a job", () => {
  assert.deepEqual(parseJobLine(RUNNING), {
    jobId: "6576003",
    state: "RUNNING",
    node: "vm",
    exitCode: 0,
    exitSignal: 0,
    finished: false,
  });
  assert.deepEqual(parseJobLine(OOM), {
    jobId: "1",
    state: "OUT_OF_MEMORY",
    reason: "OutOfMemory",
    node: "vm",
    exitCode: 0,
    exitSignal: 125,
    finished: true,
  });
  assert.deepEqual(parseJobLine(PENDING), {
    jobId: "12",
    state: "PENDING",
    reason: "Resources",
    exitCode: 0,
    exitSignal: 0,
    finished: false,
  });
});

Deno.test("parseJobLine() takes COMPLETING as not finished, and refuses a line that is not a job", () => {
  assert.equal(
    parseJobLine("JobId=2 JobState=COMPLETING Reason=TimeLimit")?.finished,
    false,
  );
  assert.equal(
    parseJobLine("slurm_load_jobs error: Invalid job id"),
    undefined,
  );
  // Control characters in a reason never reach the terminal.
  assert.equal(
    parseJobLine("JobId=3 JobState=FAILED Reason=Bad\x1b[2Jthing")?.reason,
    "Bad[2Jthing",
  );
});
