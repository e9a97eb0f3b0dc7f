import assert from "node:assert/strict";
import { renderSvg, reportCharts, svgToPng } from "../../../lib/report/mod.ts";
import { dejaVuTextWidth } from "../../../lib/report/_text_width.ts";
import { loadFixture } from "./_fixtures.ts";

/** The text drawn by data marks and by axis labels, titles and legends. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

Deno.test("renderSvg() draws data marks for every chart of both fixture runs, no label cut short", async () => {
  for (const run of ["one_epoch", "many_epochs"] as const) {
    for (const chart of reportCharts(await loadFixture(run))) {
      const svg = await renderSvg(chart.spec);
      const what = `${run}/${chart.name}`;
      assert.match(svg, /^<svg/, what);
      // Data marks live in groups named "…marks" that hold drawn items.
      assert.match(
        svg,
        /class="mark-[a-z]+ role-mark [^"]*marks"[^>]*>\s*<(path|text|line)/,
        what,
      );
      const cut = texts(svg).filter((t) => t.endsWith("…"));
      assert.deepEqual(cut, [], `${what}: truncated labels`);
      assert.doesNotMatch(svg, /NaN|undefined/, what);
    }
  }
});

Deno.test("svgToPng() rasterises at the given scale", async () => {
  const chart = reportCharts(await loadFixture("one_epoch"))[0];
  const svg = await renderSvg(chart.spec);
  const width = Number(svg.match(/<svg[^>]* width="(\d+)"/)![1]);
  const png = await svgToPng(svg, 2);
  const view = new DataView(png.buffer, png.byteOffset);
  assert.equal(view.getUint32(0), 0x89504e47); // PNG signature
  assert.equal(view.getUint32(16), width * 2); // IHDR width
});

Deno.test("dejaVuTextWidth() matches DejaVu Sans advance widths and caps at the limit", () => {
  // Digits are 1303/2048 em wide in DejaVu Sans.
  assert.equal(
    dejaVuTextWidth({ fontSize: 11 }, "0123456789"),
    13030 / 2048 * 11,
  );
  // PIL ImageFont.getlength("T-shirt/top") at 11 px, kerned: 56.00 regular,
  // 63.99 bold. Unkerned sums may be a little wider, never narrower.
  const regular = dejaVuTextWidth({ fontSize: 11 }, "T-shirt/top");
  const bold = dejaVuTextWidth(
    { fontSize: 11, fontWeight: 700 },
    "T-shirt/top",
  );
  assert.ok(regular >= 56.0 && regular < 56.0 * 1.03, `regular ${regular}`);
  assert.ok(bold >= 63.99 && bold < 63.99 * 1.03, `bold ${bold}`);
  assert.equal(dejaVuTextWidth({ fontSize: 11, limit: 30 }, "T-shirt/top"), 30);
  assert.equal(dejaVuTextWidth({ fontSize: 11 }, "  "), 0);
  // A wide script is measured a full em per character.
  assert.equal(dejaVuTextWidth({ fontSize: 10 }, "東京"), 20);
});
