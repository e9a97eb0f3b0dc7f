/**
 * The folders are the architecture: these tests read every source file's
 * imports (with the runner's own tokenizer, so imports in comments do not
 * count) and check the rules the folders' module docs state.
 */
import assert from "node:assert/strict";
import { tokenizeSource } from "../runner/pipeline/_source_tokens.ts";
import { normalisePath, relativeTo } from "../runner/paths.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const SOURCE_DIRS = ["runner", "lib", "stages", "cli", "bench"];
const ROOT_FILES = ["main.ts", "mod.ts", "stage.ts"];

/** Project file (relative path) → the project files and npm packages it imports. */
function importGraph(): Map<string, { files: string[]; bare: string[] }> {
  const graph = new Map<string, { files: string[]; bare: string[] }>();
  const visit = (relative: string) => {
    const source = Deno.readTextFileSync(`${ROOT}/${relative}`);
    const dir = relative.includes("/")
      ? relative.slice(0, relative.lastIndexOf("/"))
      : "";
    const files: string[] = [];
    const bare: string[] = [];
    for (const specifier of tokenizeSource(source).imports) {
      if (specifier.startsWith(".")) {
        const target = relativeTo(
          ROOT,
          normalisePath(`${ROOT}/${dir}/${specifier}`),
        );
        if (/\.(ts|js)$/.test(target)) files.push(target);
      } else if (!/^(node|npm|jsr|https?):/.test(specifier)) {
        bare.push(specifier);
      }
    }
    graph.set(relative, { files, bare });
  };
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(`${ROOT}/${dir}`)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) walk(path);
      else if (entry.name.endsWith(".ts")) visit(path);
    }
  };
  SOURCE_DIRS.forEach(walk);
  ROOT_FILES.forEach(visit);
  return graph;
}

const graph = importGraph();

function findCycle(): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "open") {
      return [...stack.slice(stack.indexOf(file)), file];
    }
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file)?.files ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Every import from a file under `from` to a file that `allowed` refuses. */
function violations(
  from: (file: string) => boolean,
  allowed: (importer: string, target: string) => boolean,
): string[] {
  const found: string[] = [];
  for (const [file, { files }] of graph) {
    if (!from(file)) continue;
    for (const target of files) {
      if (!allowed(file, target)) found.push(`${file} → ${target}`);
    }
  }
  return found;
}

Deno.test("source files import each other without a circle", () => {
  assert.ok(graph.size > 150, `only ${graph.size} files read`);
  const cycle = findCycle();
  assert.equal(cycle, undefined, `import circle: ${cycle?.join(" → ")}`);
});

Deno.test("runner wings import one way: run → pipeline → child → cache → base", () => {
  const rank = (file: string): number | undefined => {
    if (!file.startsWith("runner/")) return undefined;
    const wing = file.split("/")[1];
    return { cache: 1, child: 2, pipeline: 3, run: 4 }[wing] ??
      (file.split("/").length === 2 ? 0 : undefined);
  };
  const bad = violations(
    (file) => rank(file) !== undefined,
    (importer, target) =>
      !target.startsWith("runner/") || rank(target)! <= rank(importer)!,
  );
  assert.deepEqual(bad, []);
});

Deno.test("lib/nn wings sit on backend.ts, which sits on the kernels; train may use evaluate, not the reverse", () => {
  const wing = (file: string) =>
    file.startsWith("lib/nn/")
      ? file === "lib/nn/backend.ts" ? "backend" : file.split("/")[2]
      : undefined;
  const may: Record<string, string[]> = {
    kernels: ["kernels"],
    backend: ["kernels"],
    model: ["model", "backend", "kernels"],
    train: ["train", "evaluate", "model", "backend", "kernels"],
    evaluate: ["evaluate", "model", "backend", "kernels"],
  };
  const bad = violations(
    (file) => wing(file) !== undefined,
    (importer, target) =>
      wing(target) === undefined || wing(importer) === wing(target) ||
      may[wing(importer)!].includes(wing(target)!),
  );
  assert.deepEqual(bad, []);
});

Deno.test("lib/ imports neither the runner nor the stages; lib/dataset sits below lib/image", () => {
  assert.deepEqual(
    violations(
      (file) => file.startsWith("lib/"),
      (_, target) => target.startsWith("lib/"),
    ),
    [],
  );
  assert.deepEqual(
    violations(
      (file) => file.startsWith("lib/dataset/"),
      (_, target) => !target.startsWith("lib/image/"),
    ),
    [],
  );
});

Deno.test("the runner loads no ML or image library, and never a stage module", () => {
  const heavy = /^(@tensorflow\/|sharp$|vega|h5wasm|playwright)/;
  const bad: string[] = [];
  for (const [file, { files, bare }] of graph) {
    if (!file.startsWith("runner/")) continue;
    bad.push(...bare.filter((b) => heavy.test(b)).map((b) => `${file} → ${b}`));
    bad.push(
      ...files.filter((f) => f.startsWith("stages/") || f.startsWith("cli/"))
        .map((f) => `${file} → ${f}`),
    );
  }
  assert.deepEqual(bad, []);
});

Deno.test("built-in stages import defineStage and zod through stage.ts, as a user's stage does", () => {
  const bad: string[] = [];
  for (const [file, { files, bare }] of graph) {
    if (!file.startsWith("stages/")) continue;
    bad.push(
      ...files.filter((f) => f.startsWith("runner/")).map((f) =>
        `${file} → ${f}`
      ),
      ...bare.filter((b) => b === "zod").map((b) => `${file} → ${b}`),
    );
  }
  assert.deepEqual(bad, []);
});
