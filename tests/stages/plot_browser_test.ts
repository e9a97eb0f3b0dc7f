/**
 * Opens the plot stage's report.html in headless Chromium (Debian's
 * /usr/bin/chromium driven by playwright-core) as a user would: no console
 * errors, no network, every chart drawn with marks, tooltips on hover.
 * Saves a full-page screenshot per fixture run in the test's temp dir; with
 * UPDATE_DOCS_SCREENSHOT=1 it also refreshes docs/report.png. Needs Debian's
 * chromium; without it the test is skipped, except on CI (CI=true).
 *
 * @module
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import plot from "../../stages/plot.ts";
import { createStageContext } from "../../runner/child/stage_context.ts";
import { fixtureInputs } from "../lib/report/_fixtures.ts";
import type { FixtureRun } from "../lib/report/_fixtures.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const DOCS_SCREENSHOT = new URL("../../docs/report.png", import.meta.url)
  .pathname;

Deno.test({
  name: "report.html renders every chart in Chromium, offline, with tooltips",
  // Skipped on a developer machine without Chromium, never on CI.
  ignore: !existsSync(CHROMIUM) && Deno.env.get("CI") !== "true",
  async fn(t) {
    const tmp = await Deno.makeTempDir({ prefix: "plot_browser_" });
    const context = await chromium.launchPersistentContext(`${tmp}/profile`, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1360, height: 900 },
    });
    try {
      for (const run of ["one_epoch", "many_epochs"] as FixtureRun[]) {
        await t.step(run, async () => {
          const outDir = `${tmp}/${run}`;
          await Deno.mkdir(outDir);
          const { ctx } = createStageContext({
            stage: "plot",
            params: plot.params.parse({ title: `Report: ${run}` }),
            inputs: fixtureInputs(run),
            outDir,
          });
          await plot.run(ctx);
          await checkReport(
            context,
            `${outDir}/report.html`,
            `${tmp}/${run}.png`,
          );
          if (run === "one_epoch" && Deno.env.get("UPDATE_DOCS_SCREENSHOT")) {
            await Deno.copyFile(`${tmp}/${run}.png`, DOCS_SCREENSHOT);
          }
        });
      }
    } finally {
      await context.close();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

type Context = Awaited<ReturnType<typeof chromium.launchPersistentContext>>;

async function checkReport(
  context: Context,
  htmlPath: string,
  screenshot: string,
) {
  const url = `file://${htmlPath}`;
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  // Every request other than the page itself is recorded and refused.
  await page.route("**/*", (route) => {
    const target = route.request().url();
    if (target === url) return route.continue();
    requests.push(target);
    return route.abort();
  });
  try {
    await page.goto(url, { waitUntil: "load" });
    // Browser-side code goes as text: this file is type-checked without
    // the DOM library.
    await page.waitForFunction(
      `[...document.querySelectorAll(".vega")].every((el) =>
        el.querySelector("svg") || el.classList.contains("failed"))`,
      undefined,
      { timeout: 20_000 },
    );
    // Per chart: the number of items drawn by data marks (not axes or legends).
    const marks: Record<string, number> = await page.evaluate(
      `Object.fromEntries([...document.querySelectorAll(".vega")].map((el) => [
        el.id,
        el.querySelectorAll('svg g.role-mark[class*="marks"] > :is(path, text, line)').length,
      ]))`,
    );
    const charts = JSON.parse(
      await page.locator("#report-charts").textContent() ?? "[]",
    ) as { name: string }[];
    assert.deepEqual(Object.keys(marks), charts.map((c) => `chart-${c.name}`));
    for (const [id, count] of Object.entries(marks)) {
      assert.ok(count > 0, `${id} has no marks`);
    }
    assert.equal(await page.locator(".vega.failed").count(), 0);

    // Hovering the red best-epoch dot shows its tooltip.
    await page.locator("#chart-loss g.role-mark.layer_1_marks > path").hover();
    const tooltip = page.locator("#vg-tooltip-element.visible");
    await tooltip.waitFor({ state: "visible", timeout: 5000 });
    assert.match(await tooltip.innerText(), /best epoch/);
    // And a pipeline bar shows its stage.
    await page.locator("#chart-pipeline g.role-mark[class*='marks'] > path")
      .first().hover();
    await page.waitForFunction(
      `document.querySelector("#vg-tooltip-element")?.textContent?.includes("ingest")`,
      undefined,
      { timeout: 5000 },
    );
    await page.mouse.move(0, 0);

    await page.screenshot({ path: screenshot, fullPage: true });
    assert.deepEqual(errors, [], "console errors");
    assert.deepEqual(requests, [], "network requests");
  } finally {
    await page.close();
  }
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
