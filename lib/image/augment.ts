/**
 * Training-time augmentation, as torchvision's `RandomResizedCrop`,
 * `RandomHorizontalFlip` and `ColorJitter` do it, on the uint8 pixels a
 * decode artifact holds: a crop of a random share of the image's area and
 * aspect, resampled bilinearly to S×S, mirrored with probability ½, then
 * brightness, contrast and saturation each scaled by a factor drawn from
 * [1 − j, 1 + j], then ImageNet normalisation. Every draw comes from the
 * generator it is given (keyed by seed, epoch and record), in a fixed order,
 * so an epoch's images can be re-created exactly.
 *
 * @module
 */
import type { Random } from "../random/keyed_random.ts";
import { IMAGENET_MEAN, IMAGENET_STD, type PixelImage } from "./normalize.ts";

/** How training images are augmented (decode's `augment:` param). */
export interface AugmentSettings {
  /** Mirror left–right with probability ½. */
  flip: boolean;
  /** Range of the crop's share of the image's area (torchvision's `scale`). */
  scale: readonly [number, number];
  /** Range of the crop's aspect ratio, width / height (torchvision's `ratio`). */
  ratio: readonly [number, number];
  /** Strength j of brightness, contrast and saturation jitter (0: none). */
  jitter: number;
}

/** A crop rectangle in pixels (may be fractional). */
export interface CropBox {
  /** Left edge. */
  left: number;
  /** Top edge. */
  top: number;
  /** Width. */
  width: number;
  /** Height. */
  height: number;
}

/**
 * torchvision's `RandomResizedCrop.get_params`: up to 10 draws of an area
 * share in `scale` and a log-uniform aspect in `ratio` until the box fits,
 * then the largest centred box of aspect within `ratio`.
 */
export function randomResizedCrop(
  width: number,
  height: number,
  rng: Random,
  scale: readonly [number, number],
  ratio: readonly [number, number],
): CropBox {
  const area = width * height;
  const logLo = Math.log(ratio[0]), logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scale[0] + (scale[1] - scale[0]) * rng.next());
    const aspect = Math.exp(logLo + (logHi - logLo) * rng.next());
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { left, top, width: w, height: h };
    }
  }
  const aspect = width / height;
  let w = width, h = height;
  if (aspect < ratio[0]) h = Math.round(w / ratio[0]);
  else if (aspect > ratio[1]) w = Math.round(h * ratio[1]);
  return {
    left: Math.floor((width - w) / 2),
    top: Math.floor((height - h) / 2),
    width: w,
    height: h,
  };
}

/** What one image's augmentation drew. */
export interface AugmentDraw {
  /** The crop. */
  box: CropBox;
  /** Mirrored left–right. */
  flip: boolean;
  /** Brightness, contrast and saturation factors. */
  jitter: [number, number, number];
}

/** Draws one image's augmentation, in the fixed order crop, flip, jitter. */
export function drawAugment(
  image: { width: number; height: number },
  settings: AugmentSettings,
  rng: Random,
): AugmentDraw {
  const box = randomResizedCrop(
    image.width,
    image.height,
    rng,
    settings.scale,
    settings.ratio,
  );
  const flip = settings.flip && rng.next() < 0.5;
  const j = settings.jitter;
  const factor = () => j > 0 ? 1 - j + 2 * j * rng.next() : 1;
  return { box, flip, jitter: [factor(), factor(), factor()] };
}

/**
 * Resamples `box` of `image` to `size`×`size` (bilinear, pixel centres as in
 * torchvision with antialias off), mirrors and jitters it as `draw` says, and
 * writes it normalised (ImageNet mean/std), NHWC, at `out[at…]`.
 */
export function writeAugmented(
  out: Float32Array,
  at: number,
  image: PixelImage,
  size: number,
  draw: AugmentDraw,
): void {
  const { data, width, height, channels } = image;
  const { box } = draw;
  const sx = box.width / size, sy = box.height / size;
  const rgb = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const fy = Math.min(
      Math.max(box.top + (y + 0.5) * sy - 0.5, 0),
      height - 1,
    );
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(
        Math.max(box.left + (x + 0.5) * sx - 0.5, 0),
        width - 1,
      );
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, width - 1);
      const wx = fx - x0;
      const ox = draw.flip ? size - 1 - x : x;
      const o = (y * size + ox) * 3;
      for (let c = 0; c < 3; c++) {
        const ch = channels === 3 ? c : 0;
        const p = (yy: number, xx: number) =>
          data[(yy * width + xx) * channels + ch];
        const top = p(y0, x0) * (1 - wx) + p(y0, x1) * wx;
        const bottom = p(y1, x0) * (1 - wx) + p(y1, x1) * wx;
        rgb[o + c] = (top * (1 - wy) + bottom * wy) / 255;
      }
    }
  }
  const [brightness, contrast, saturation] = draw.jitter;
  const n = size * size;
  if (brightness !== 1) {
    for (let i = 0; i < rgb.length; i++) {
      rgb[i] = Math.min(1, rgb[i] * brightness);
    }
  }
  if (contrast !== 1) {
    let grey = 0;
    for (let i = 0; i < n; i++) grey += luma(rgb, i * 3);
    grey /= n;
    for (let i = 0; i < rgb.length; i++) {
      rgb[i] = clamp01(grey + (rgb[i] - grey) * contrast);
    }
  }
  if (saturation !== 1) {
    for (let i = 0; i < n; i++) {
      const grey = luma(rgb, i * 3);
      for (let c = 0; c < 3; c++) {
        const k = i * 3 + c;
        rgb[k] = clamp01(grey + (rgb[k] - grey) * saturation);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      out[at + i * 3 + c] = (rgb[i * 3 + c] - IMAGENET_MEAN[c]) /
        IMAGENET_STD[c];
    }
  }
}

/** ITU-R 601 luma, as PIL's `convert("L")` and torchvision's grayscale. */
function luma(rgb: Float32Array, i: number): number {
  return 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
