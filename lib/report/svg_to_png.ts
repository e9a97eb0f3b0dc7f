import sharp from "sharp";

/**
 * Rasterises an SVG document to PNG with sharp (librsvg). Text is drawn
 * with the fonts fontconfig finds (on Debian: fonts-dejavu-core; without
 * fonts every glyph is a box).
 *
 * @param scale device pixels per CSS pixel (2 gives crisp text on screens and in print)
 */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  const png = await sharp(new TextEncoder().encode(svg), {
    density: 72 * scale,
  })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
