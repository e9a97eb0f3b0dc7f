/**
 * `deno task bench [name…]`: runs each benchmark script `bench/<name>_bench.ts`
 * (all but the long ones when no name is given: `landmarks` trains for about
 * half an hour and runs only when named) in its own process, one after
 * another, so their timings do not disturb each other. Each script prints
 * its own side-by-side table (ours vs the peer, measured in the same run).
 *
 * @module
 */
const benchDir = new URL(".", import.meta.url).pathname;
const available = [...Deno.readDirSync(benchDir)]
  .map((entry) => entry.name.match(/^(.+)_bench\.ts$/)?.[1])
  .filter((name): name is string => name !== undefined)
  .sort();
/** Benchmarks that run only when named. */
const LONG = ["landmarks"];
const wanted = Deno.args.length > 0
  ? Deno.args
  : available.filter((name) => !LONG.includes(name));
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(
    `Cannot run benchmark ${
      unknown.map((n) => `"${n}"`).join(", ")
    }: choose from ${available.join(", ")}`,
  );
  Deno.exit(2);
}
let failed = 0;
for (const name of wanted) {
  console.log(`\n=== ${name} ===`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${benchDir}${name}_bench.ts`],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    console.error(`benchmark "${name}" failed with exit code ${code}`);
    failed++;
  }
}
Deno.exit(failed > 0 ? 1 : 0);
