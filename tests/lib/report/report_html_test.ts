import assert from "node:assert/strict";
import {
  keyNumbers,
  readVegaBundles,
  reportCharts,
  reportHtml,
} from "../../../lib/report/mod.ts";
import { jsonForScript, scriptSafe } from "../../../lib/report/_html.ts";
import { loadFixture } from "./_fixtures.ts";

Deno.test("scriptSafe() and jsonForScript() keep inline content from closing its <script>", () => {
  const code = 'const a = "</script><!-- x"; const b = "</SCRIPT>";';
  const safe = scriptSafe(code);
  assert.doesNotMatch(safe, /<\/script|<!--/i);
  // The escaped code means the same.
  assert.deepEqual(
    new Function(`${safe}; return [a, b];`)(),
    ["</script><!-- x", "</SCRIPT>"],
  );
  const json = jsonForScript({ label: "</script><b>" });
  assert.doesNotMatch(json, /</);
  assert.deepEqual(JSON.parse(json), { label: "</script><b>" });
});

Deno.test("reportHtml() inlines the vega bundles and loads nothing from anywhere", async () => {
  const data = await loadFixture("one_epoch");
  const bundles = await readVegaBundles();
  const html = reportHtml({ data, charts: reportCharts(data), bundles });
  assert.ok(html.length > bundles.vega.length + bundles.vegaLite.length);
  assert.ok(html.includes(bundles.vegaEmbed.slice(0, 200)));
  assert.doesNotMatch(html, /<script[^>]+src=|<link|<iframe|@import/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  // Exactly three bundles, the chart specs and the boot script.
  assert.equal(html.match(/<script/g)?.length, 5);
  assert.match(
    html,
    /<img alt="One training batch[^"]*" src="data:image\/png;base64,iVBOR/,
  );
  for (const name of reportCharts(data).map((c) => c.name)) {
    assert.ok(html.includes(`id="chart-${name}"`), name);
  }
});

Deno.test("reportHtml() puts top-1 and GAP first and notes what is missing", async () => {
  const data = await loadFixture("one_epoch", ["train"]);
  const html = reportHtml({
    data,
    charts: reportCharts(data),
    bundles: { vega: "", vegaLite: "", vegaEmbed: "" },
  });
  const cards = html.slice(
    html.indexOf('class="cards"'),
    html.indexOf("</header>"),
  );
  assert.match(
    cards,
    /Top-1 accuracy<\/div><div class="value">n\/a<\/div><div class="detail">no evaluate input/,
  );
  assert.match(
    html,
    /No &#34;evaluate&#34; input: the evaluation metrics cannot be shown\./,
  );
  assert.match(html, /No evaluation metrics \(no evaluate input\)\./);
});

Deno.test("keyNumbers() gives top-1 accuracy and GAP of each predictor, then the best epoch", async () => {
  const numbers = keyNumbers(await loadFixture("many_epochs"));
  assert.deepEqual(numbers.map((n) => n.label), [
    "Top-1 accuracy",
    "GAP",
    "Top-1 accuracy",
    "GAP",
    "Best epoch",
    "Epochs trained",
  ]);
  assert.match(numbers[0].value, /^\d+\.\d%$/);
  assert.match(numbers[1].value, /^0\.\d{4}$/);
  assert.equal(numbers[2].detail, "kNN (k=5, sum), holdout split");
  assert.equal(numbers[5].value, "30 of 30");
});
