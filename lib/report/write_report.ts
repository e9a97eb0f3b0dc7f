import type { ReportData } from "./load_report_data.ts";
import { reportCharts } from "./report_charts.ts";
import { reportHtml } from "./report_html.ts";
import { renderSvg } from "./render_svg.ts";
import { svgToPng } from "./svg_to_png.ts";
import { readVegaBundles } from "./vega_bundles.ts";

/** Options of {@linkcode writeReport}. */
export interface WriteReportOptions {
  /** What the report shows, from loadReportData. */
  data: ReportData;
  /** The directory to write into (it must exist). */
  outDir: string;
  /** Device pixels per CSS pixel of the PNGs. @default 2 */
  pngScale?: number;
  /** When the report was made (shown in report.html). @default not shown */
  generatedAt?: Date;
  /** Called after each file is written, with its name. @default nothing */
  onFile?: (name: string) => void;
}

/** What {@linkcode writeReport} wrote. */
export interface WrittenReport {
  /** File names written into outDir, in order. */
  files: string[];
  /** The chart names (each has a .svg and a .png). */
  charts: string[];
}

/**
 * Writes the whole report into `outDir`: `<chart>.svg` and `<chart>.png`
 * for every chart, `batch_grid.png` when the decode stage made one, and
 * the self-contained `report.html`.
 */
export async function writeReport(
  options: WriteReportOptions,
): Promise<WrittenReport> {
  const { data, outDir, pngScale = 2, onFile = () => {} } = options;
  const charts = reportCharts(data);
  const files: string[] = [];
  const write = async (name: string, content: string | Uint8Array) => {
    const path = `${outDir}/${name}`;
    if (typeof content === "string") await Deno.writeTextFile(path, content);
    else await Deno.writeFile(path, content);
    files.push(name);
    onFile(name);
  };
  for (const chart of charts) {
    const svg = await renderSvg(chart.spec);
    await write(`${chart.name}.svg`, svg);
    await write(`${chart.name}.png`, await svgToPng(svg, pngScale));
  }
  if (data.batchGrid) await write("batch_grid.png", data.batchGrid);
  const html = reportHtml({
    data,
    charts,
    bundles: await readVegaBundles(),
    generatedAt: options.generatedAt,
  });
  await write("report.html", html);
  return { files, charts: charts.map((c) => c.name) };
}
