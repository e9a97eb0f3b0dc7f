import assert from "node:assert/strict";
import { explainStageFailure } from "../../../runner/run/stage_failed_error.ts";

const key = (field: string) =>
  `stages.train.${field} in pipeline.yaml (stage at line 9)`;

Deno.test("explainStageFailure() says a stage ran out of memory and what to lower", () => {
  for (
    const tail of [
      [
        "<--- JS stacktrace --->",
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
      ],
      ["RangeError: WebAssembly.Memory.grow(): Maximum memory size exceeded"],
    ]
  ) {
    const { message, hint } = explainStageFailure("train", {
      code: 1,
      signal: null,
      tail,
    }, key);
    assert.equal(message, 'Stage "train" ran out of memory');
    assert.match(
      hint!,
      /lower stages\.train\.with\.batch_size in pipeline\.yaml \(stage at line 9\)/,
    );
  }
  const killed = explainStageFailure("train", {
    code: 137,
    signal: "SIGKILL",
    tail: [],
  }, key);
  assert.match(
    killed.message,
    /killed by SIGKILL \(usually the kernel's out-of-memory killer\)/,
  );
});

Deno.test("explainStageFailure() names the path and the key for a denied read, env or write", () => {
  const read = explainStageFailure("train", {
    code: 1,
    signal: null,
    errorMessage:
      'Requires read access to "/data/x", run again with the --allow-read flag',
    tail: [],
  }, key);
  assert.equal(
    read.message,
    'Stage "train" was denied read access to "/data/x"',
  );
  assert.match(read.hint!, /stages\.train\.permissions\.read/);
  const write = explainStageFailure("train", {
    code: 1,
    signal: null,
    errorMessage:
      'Requires write access to "/tmp/y", run again with the --allow-write flag',
    tail: [],
  }, key);
  assert.match(
    write.message,
    /tried to write "\/tmp\/y", outside its output directory/,
  );
  const other = explainStageFailure("train", {
    code: 3,
    signal: null,
    tail: ["nothing special"],
  }, key);
  assert.equal(other.message, 'Stage "train" exited with code 3');
});

Deno.test("explainStageFailure() recognises the trainer's exhausted wasm heap as running out of memory", () => {
  const { message, hint } = explainStageFailure("train", {
    code: 1,
    signal: null,
    errorMessage:
      "Cannot train on 96 images of 256x256 at once: the wasm heap (4 GB) ran out and the backend is unusable now. Set a smaller microBatch (or batch size)",
    tail: [],
  }, key);
  assert.equal(message, 'Stage "train" ran out of memory');
  assert.match(hint!, /batch_size/);
});

Deno.test("explainStageFailure() says the ffi permission takes npm package names or system library paths", () => {
  const { message, hint } = explainStageFailure("train", {
    code: 1,
    signal: null,
    errorMessage:
      'Requires ffi access to "/usr/lib/libfoo.so", run again with the --allow-ffi flag',
    tail: [],
  }, key);
  assert.equal(
    message,
    'Stage "train" was denied loading native code from "/usr/lib/libfoo.so"',
  );
  assert.match(
    hint!,
    /declare its npm package \(a package name such as "@img\/sharp-linux-x64"\) or, for a system library, its absolute path under \/usr\/lib or \/lib .* under stages\.train\.permissions\.ffi/,
  );
});

Deno.test("explainStageFailure() names the limit the runner ended a stage at, and the key that raises it", () => {
  const memory = explainStageFailure("train", {
    code: 137,
    signal: "SIGKILL",
    tail: [],
    limit: { kind: "memory", bytes: 6 * 2 ** 30 },
  }, key);
  assert.equal(
    memory.message,
    'Stage "train" ran out of its 6 GiB memory limit and was ended',
  );
  assert.match(memory.hint!, /^raise stages\.train\.resources\.memory in/);
  const time = explainStageFailure("train", {
    code: 137,
    signal: "SIGKILL",
    tail: [],
    limit: { kind: "time", ms: 2 * 3_600_000 },
  }, key);
  assert.equal(
    time.message,
    'Stage "train" ran past its time limit of 2h00m and was ended',
  );
});
