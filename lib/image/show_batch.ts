/**
 * The notebook's `show_batch`: a grid of a batch's images, each titled with
 * its label (and class name or id), as a PNG. Images are un-normalised
 * (x·std + mean); small ones are enlarged with nearest-neighbour so the
 * titles fit. Titles are an SVG overlay rendered by sharp (DejaVu Sans).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import sharp from "sharp";
import type { LabelInfo } from "../dataset/label_map.ts";
import type { Batch } from "./image_dataset.ts";
import { IMAGENET_MEAN, IMAGENET_STD } from "./normalize.ts";

/** Options of {@linkcode showBatch}. */
export interface ShowBatchOptions {
  /** Side S of the batch's images. */
  imgSize: number;
  /** The classes, for the titles. */
  labels: readonly LabelInfo[];
  /** Grid rows. @default 4 */
  rows?: number;
  /** Grid columns. @default 3 */
  cols?: number;
  /** Smallest tile side in pixels. @default 160 */
  minTile?: number;
}

const TITLE_PX = 24;
const GAP_PX = 6;

/** Renders up to rows·cols images of `batch` as a PNG grid. */
export async function showBatch(
  batch: Batch,
  options: ShowBatchOptions,
): Promise<Uint8Array> {
  const s = options.imgSize;
  const rows = options.rows ?? 4;
  const cols = options.cols ?? 3;
  const zoom = Math.max(1, Math.ceil((options.minTile ?? 160) / s));
  const tile = s * zoom;
  const cellW = tile + GAP_PX;
  const cellH = tile + TITLE_PX + GAP_PX;
  const width = cols * cellW + GAP_PX;
  const height = rows * cellH + GAP_PX;
  const canvas = new Uint8Array(width * height * 3).fill(255);
  const titles: string[] = [];
  const n = Math.min(batch.size, rows * cols);
  for (let k = 0; k < n; k++) {
    const x0 = GAP_PX + (k % cols) * cellW;
    const y0 = GAP_PX + Math.floor(k / cols) * cellH + TITLE_PX;
    const base = k * s * s * 3;
    for (let y = 0; y < tile; y++) {
      const sy = Math.floor(y / zoom);
      for (let x = 0; x < tile; x++) {
        const src = base + (sy * s + Math.floor(x / zoom)) * 3;
        const dst = ((y0 + y) * width + x0 + x) * 3;
        for (let c = 0; c < 3; c++) {
          const v =
            (batch.images[src + c] * IMAGENET_STD[c] + IMAGENET_MEAN[c]) * 255;
          canvas[dst + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
        }
      }
    }
    const label = batch.labels[k];
    const info = options.labels[label];
    const detail = info?.name ??
      (info && info.id !== String(label) ? `id ${info.id}` : "");
    titles.push(
      `<text x="${x0 + tile / 2}" y="${y0 - 7}">${
        escapeXml(`Label: ${label}${detail ? ` (${detail})` : ""}`)
      }</text>`,
    );
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<g font-family="DejaVu Sans" font-size="14" text-anchor="middle" fill="#111">${
      titles.join("")
    }</g></svg>`;
  const png = await sharp(canvas, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.length);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
