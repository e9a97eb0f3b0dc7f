import { ReportInputError } from "./report_input_error.ts";

/** The browser bundles a self-contained report inlines. */
export interface VegaBundles {
  /** vega/build/vega.min.js (defines `vega`). */
  vega: string;
  /** vega-lite/build/vega-lite.min.js (defines `vegaLite`). */
  vegaLite: string;
  /** vega-embed/build/vega-embed.min.js (defines `vegaEmbed`, with vega-tooltip). */
  vegaEmbed: string;
}

const FILES = {
  vega: ["vega", "vega.min.js"],
  vegaLite: ["vega-lite", "vega-lite.min.js"],
  vegaEmbed: ["vega-embed", "vega-embed.min.js"],
} as const;

/**
 * Reads the minified UMD bundles from the installed npm packages (next to
 * each package's main module in node_modules, so the versions are exactly
 * those deno.json pins). Needs read access to node_modules.
 *
 * @throws {ReportInputError} when a bundle is not installed
 */
export async function readVegaBundles(): Promise<VegaBundles> {
  const read = async ([pkg, file]: readonly [string, string]) => {
    const url = new URL(file, import.meta.resolve(pkg));
    try {
      return await Deno.readTextFile(url);
    } catch (error) {
      throw new ReportInputError(
        `Cannot read the ${pkg} browser bundle: ${url.href}: ${error}`,
        url.href,
        undefined,
        'run "deno install" so that node_modules holds the npm packages',
        { cause: error },
      );
    }
  };
  const [vega, vegaLite, vegaEmbed] = await Promise.all([
    read(FILES.vega),
    read(FILES.vegaLite),
    read(FILES.vegaEmbed),
  ]);
  return { vega, vegaLite, vegaEmbed };
}
