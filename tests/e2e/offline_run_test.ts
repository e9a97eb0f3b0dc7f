/**
 * A run on populated caches makes no network request, whatever DENO_DIR is:
 * stage children resolve every npm package from node_modules and never ask
 * the registry, so a run with the network cut off works and says nothing
 * about downloads.
 */
import assert from "node:assert/strict";
import { makeToyProject, removeToy, ROOT } from "../runner/_toy_project.ts";

const PIPELINE = `name: offline
stages:
  npm:
    uses: ./npm_stage.ts
`;

// A stage that loads an npm package when it runs, as the built-in ones do.
const NPM_STAGE = `
import { defineStage, z } from "${ROOT}/stage.ts";
export default defineStage({
  description: "loads an npm package",
  params: z.strictObject({}),
  async run(ctx) {
    // A package the runner itself never loads.
    const h5wasm = await import("h5wasm");
    await Deno.writeTextFile(\`\${ctx.outDir}/out.txt\`, typeof h5wasm.File);
  },
});
`;

/** True when this process may make a network namespace (root, or a kernel that lets it). */
async function canCutNetwork(): Promise<boolean> {
  try {
    const { code } = await new Deno.Command("unshare", {
      args: ["-n", "true"],
      stdout: "null",
      stderr: "null",
    }).output();
    return code === 0;
  } catch {
    return false;
  }
}

async function runCli(
  dir: string,
  denoDir: string,
  offline: boolean,
  ...args: string[]
) {
  const deno = [Deno.execPath(), "run", "--allow-all", `${ROOT}/main.ts`];
  const [command, ...rest] = offline
    ? ["unshare", "-n", ...deno, ...args]
    : [...deno, ...args];
  const output = await new Deno.Command(command, {
    args: rest,
    cwd: dir,
    env: { NO_COLOR: "1", DENO_DIR: denoDir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    text: decoder.decode(output.stdout) + decoder.decode(output.stderr),
  };
}

Deno.test("a run with DENO_DIR set and the network cut off downloads nothing", async () => {
  const offline = await canCutNetwork();
  if (!offline) {
    console.log(
      "  (cannot make a network namespace here: checking for download requests only)",
    );
  }
  const dir = await makeToyProject(PIPELINE);
  const denoDir = await Deno.makeTempDir({ prefix: "deno-dir-" });
  try {
    await Deno.writeTextFile(`${dir}/npm_stage.ts`, NPM_STAGE);
    // The first run fills the user's DENO_DIR, as any first run does.
    const first = await runCli(dir, denoDir, false, "run", "pipeline.yaml");
    assert.equal(first.code, 0, first.text);
    const again = await runCli(
      dir,
      denoDir,
      offline,
      "run",
      "pipeline.yaml",
      "--force",
      "npm",
    );
    assert.equal(again.code, 0, again.text);
    assert.match(again.text, /1 ran, 0 cached/);
    const log = await Deno.readTextFile(`${dir}/outputs/npm.log`);
    assert.doesNotMatch(again.text + log, /Download|registry\.npmjs\.org/);
    assert.equal(
      await Deno.readTextFile(`${dir}/outputs/npm/out.txt`),
      "function",
    );
  } finally {
    await removeToy(dir);
    await Deno.remove(denoDir, { recursive: true });
  }
});
