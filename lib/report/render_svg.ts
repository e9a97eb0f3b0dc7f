import * as vega from "vega";
import { compile } from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import { dejaVuTextWidth } from "./_text_width.ts";

/** vega-scenegraph's text measuring hook. */
interface VegaTextMetrics {
  textMetrics: { width: (item: object, text: unknown) => number };
}

/**
 * Renders a vega-lite spec to an SVG document headless: vega-lite compiles
 * it to vega, a vega View with no renderer lays it out, and `toSVG` writes
 * it. Without a canvas vega would guess every text as 0.8 em per character
 * (labels cut short with "…", wide empty margins); instead text is measured
 * with DejaVu Sans's own glyph widths, the font librsvg draws it with.
 * Needs no permissions; the spec's data must be inline.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // vega's documented hook for a custom measure (vl-convert sets it too);
  // assigning the same function every time keeps this idempotent.
  // vega-typings do not declare textMetrics, though vega exports it.
  (vega as unknown as VegaTextMetrics).textMetrics.width = dejaVuTextWidth;
  // Gradient and clip ids count up per process; restart them so that the
  // same spec always gives the same bytes.
  vega.resetSVGDefIds();
  const view = new vega.View(vega.parse(compile(spec).spec), {
    renderer: "none",
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
