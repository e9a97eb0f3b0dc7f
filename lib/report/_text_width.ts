import { BOLD, REGULAR, UNITS_PER_EM } from "./_dejavu_widths.ts";

/** The fields of a vega text item that decide its width. */
interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}

/** Widths (font units) of a few symbols outside the tables, same in both weights. */
const SYMBOLS: Record<string, number> = {
  "…": 2048,
  "–": 1024,
  "—": 2048,
  "×": 1716,
  "−": 1716,
  "≤": 1716,
  "≥": 1716,
  "→": 1716,
};

function unitWidth(codePoint: number, table: readonly number[]): number {
  if (codePoint >= 32 && codePoint <= 126) return table[codePoint - 32];
  if (codePoint >= 160 && codePoint <= 255) return table[codePoint - 160 + 95];
  const symbol = SYMBOLS[String.fromCodePoint(codePoint)];
  if (symbol !== undefined) return symbol;
  // CJK, Hangul and other wide scripts take a full em; anything else an
  // average-to-wide Latin glyph, so that estimates err on the wide side.
  return codePoint >= 0x2e80 ? UNITS_PER_EM : 1400;
}

/**
 * The width in pixels of `text` set in DejaVu Sans (bold when the item's
 * weight is bold or ≥ 600) at the item's font size, capped at the item's
 * `limit` (vega truncates such text to fit it). This is what librsvg draws
 * the exported SVG with, so the headless layout leaves exactly enough room
 * for every label. Kerning is ignored; it only ever narrows text.
 */
export function dejaVuTextWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize == null ? 11 : Number(item.fontSize) || 0;
  const line = text == null ? "" : String(text).trim();
  if (size <= 0 || line === "") return 0;
  const weight = item.fontWeight;
  const bold = weight === "bold" || weight === "bolder" ||
    Number(weight) >= 600;
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of line) units += unitWidth(ch.codePointAt(0)!, table);
  const width = (units / UNITS_PER_EM) * size;
  return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
}
