/**
 * A throwaway pipeline project for runner tests: small stage modules written
 * into a temporary directory (importing this checkout's stage.ts), a pipeline
 * file, and helpers to run the real CLI on it.
 *
 * @module
 */
import { loadPipeline } from "../../mod.ts";
import { type RunOptions, runPipeline, type RunSummary } from "../../mod.ts";

/** The project root. */
export const ROOT = new URL("../..", import.meta.url).pathname.replace(
  /\/$/,
  "",
);

/** A system library every Debian machine has, and one more (for a stage that does not declare it). */
export const SYSTEM_LIBRARIES = ["libc.so.6", "libm.so.6"].map((name) =>
  `/usr/lib/${
    Deno.build.arch === "aarch64" ? "aarch64" : "x86_64"
  }-linux-gnu/${name}`
);

const STAGES: Record<string, string> = {
  // Writes `count` numbered files; its text comes from a local helper module.
  "gen.ts": `
import { defineStage, z } from "${ROOT}/stage.ts";
import { prefix } from "./helper.ts";
export default defineStage({
  description: "writes numbered files",
  params: z.strictObject({ count: z.int().default(3), text: z.string().default("n") }),
  async run(ctx) {
    ctx.progress.start("writing", ctx.params.count);
    for (let i = 0; i < ctx.params.count; i++) {
      await Deno.writeTextFile(\`\${ctx.outDir}/f\${i}.txt\`, \`\${prefix()}\${ctx.params.text}\${i}\\n\`);
      ctx.progress.advance();
    }
    return { files: ctx.params.count };
  },
});
`,
  "helper.ts": `export function prefix(): string {
  return "#";
}
`,
  // Concatenates the files of its input; optionally sleeps first (to be killed).
  "cat.ts": `
import { defineStage, z } from "${ROOT}/stage.ts";
export default defineStage({
  description: "concatenates its input",
  params: z.strictObject({ sleep_ms: z.int().default(0), marker: z.string().optional() }),
  inputs: { gen: { description: "numbered files" } },
  async run(ctx) {
    if (ctx.params.marker) await Deno.writeTextFile(\`\${ctx.outDir}/started\`, "");
    const names = [...Deno.readDirSync(ctx.inputs.gen)].map((e) => e.name).filter((n) => n.endsWith(".txt")).sort();
    let text = "";
    for (const name of names) text += await Deno.readTextFile(\`\${ctx.inputs.gen}/\${name}\`);
    await new Promise((resolve) => setTimeout(resolve, ctx.params.sleep_ms));
    await Deno.writeTextFile(\`\${ctx.outDir}/all.txt\`, text);
  },
});
`,
  // Counts to \`steps\`, saving a checkpoint after each step, and resumes from it.
  "resumable.ts": `
import { defineStage, z } from "${ROOT}/stage.ts";
export default defineStage({
  description: "counts with checkpoints",
  params: z.strictObject({ steps: z.int(), sleep_ms: z.int().default(0) }),
  async run(ctx) {
    const saved = await ctx.checkpoints.load("progress");
    const start = saved ? Number(await Deno.readTextFile(\`\${saved}/step\`)) : 0;
    for (let step = start; step < ctx.params.steps; step++) {
      await new Promise((resolve) => setTimeout(resolve, ctx.params.sleep_ms));
      await ctx.checkpoints.save("progress", (dir) => Deno.writeTextFile(\`\${dir}/step\`, String(step + 1)));
    }
    await Deno.writeTextFile(\`\${ctx.outDir}/resumed_from.txt\`, String(start));
  },
});
`,
  // Its output depends on a fact about the machine (an environment variable).
  "machine.ts": `
import { defineStage, z } from "${ROOT}/stage.ts";
export default defineStage({
  description: "reads a machine fact",
  params: z.strictObject({}),
  permissions: { env: ["TOY_MACHINE"] },
  facts: () => Promise.resolve({ machine: Deno.env.get("TOY_MACHINE") ?? "none" }),
  async run(ctx) {
    await Deno.writeTextFile(\`\${ctx.outDir}/machine.txt\`, Deno.env.get("TOY_MACHINE") ?? "none");
  },
});
`,
  // Does one forbidden thing, chosen by params.
  "misbehave.ts": `
import { defineStage, z } from "${ROOT}/stage.ts";
export default defineStage({
  description: "tries to escape its sandbox",
  params: z.strictObject({ action: z.enum(["read", "write", "native-write"]), target: z.string() }),
  permissions: {
    ffi: ["@img/sharp-linux-x64"],
    env: ["npm_package_config_libvips", "MALLOC_ARENA_MAX"],
    read: ["/usr/bin/ldd"],
  },
  async run(ctx) {
    const { action, target } = ctx.params;
    if (action === "read") await Deno.readTextFile(target);
    if (action === "write") await Deno.writeTextFile(target, "escaped");
    if (action === "native-write") {
      const sharp = (await import("sharp")).default;
      await sharp({ create: { width: 2, height: 2, channels: 3, background: "red" } }).png().toFile(target);
    }
    await Deno.writeTextFile(\`\${ctx.outDir}/done\`, "");
  },
});
`,
};

// Loads a system library through FFI; it declares only the first of SYSTEM_LIBRARIES.
STAGES["syslib.ts"] = `
import { defineStage, z } from "${ROOT}/stage.ts";
export default defineStage({
  description: "loads a system library",
  params: z.strictObject({ lib: z.string() }),
  permissions: { ffi: ["${SYSTEM_LIBRARIES[0]}"] },
  async run(ctx) {
    const lib = Deno.dlopen(ctx.params.lib, { getpid: { parameters: [], result: "i32" } });
    await Deno.writeTextFile(\`\${ctx.outDir}/pid\`, String(lib.symbols.getpid() > 0));
    lib.close();
  },
});
`;

/** The default toy pipeline: gen → cat → tail (a second cat), plus an independent gen2. */
export const TOY_PIPELINE = `name: toy
seed: 7
stages:
  gen:
    uses: ./gen.ts
    with:
      count: 3
  cat:
    uses: ./cat.ts
    needs: [gen]
  tail:
    uses: ./cat.ts
    needs: { gen: cat }
  gen2:
    uses: ./gen.ts
    with: { text: other }
`;

/** Creates a toy project in a fresh temporary directory and returns its path. */
export async function makeToyProject(pipeline = TOY_PIPELINE): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "toy-pipeline-" });
  for (const [name, source] of Object.entries(STAGES)) {
    await Deno.writeTextFile(`${dir}/${name}`, source);
  }
  await Deno.writeTextFile(`${dir}/pipeline.yaml`, pipeline);
  return dir;
}

/** Loads and runs `pipeline.yaml` (or `file`) of a toy project in-process. */
export async function runToy(
  dir: string,
  options: RunOptions = {},
  file = "pipeline.yaml",
): Promise<RunSummary> {
  return await runPipeline(await loadPipeline(`${dir}/${file}`), options);
}

/** Stage name → outcome state of a run. */
export function states(summary: RunSummary): Record<string, string> {
  return Object.fromEntries(
    summary.stages.map((s) => [s.name, s.outcome.state]),
  );
}

/** Runs the real CLI (`deno run main.ts …`) in `cwd`. */
export async function cli(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${ROOT}/main.ts`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Removes a toy project (trees in its cache are read-only). */
export async function removeToy(dir: string): Promise<void> {
  await new Deno.Command("chmod", { args: ["-R", "u+w", dir] }).output();
  await Deno.remove(dir, { recursive: true });
}
