import assert from "node:assert/strict";
import { Resizer, type ResizeRequest } from "../../../lib/image/_resizer.ts";
import type { ResizeKernel } from "../../../lib/image/decode_image.ts";
import { keyedRandom } from "../../../lib/random/keyed_random.ts";

const KERNELS: ResizeKernel[] = [
  "nearest",
  "linear",
  "cubic",
  "mitchell",
  "lanczos2",
  "lanczos3",
];

/** The filters of resize.c, in float64. */
function weight(kernel: ResizeKernel, x: number): number {
  x = Math.abs(x);
  const sinc = (v: number) =>
    v === 0 ? 1 : Math.sin(Math.PI * v) / (Math.PI * v);
  switch (kernel) {
    case "linear":
      return x < 1 ? 1 - x : 0;
    case "cubic": {
      const a = -0.5;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      return x < 2 ? (((x - 5) * x + 8) * x - 4) * a : 0;
    }
    case "mitchell": {
      const b = 1 / 3, c = 1 / 3;
      if (x < 1) {
        return ((12 - 9 * b - 6 * c) * x ** 3 +
          (-18 + 12 * b + 6 * c) * x ** 2 +
          (6 - 2 * b)) / 6;
      }
      return x < 2
        ? ((-b - 6 * c) * x ** 3 + (6 * b + 30 * c) * x ** 2 +
          (-12 * b - 48 * c) * x + (8 * b + 24 * c)) / 6
        : 0;
    }
    case "lanczos2":
      return x < 2 ? sinc(x) * sinc(x / 2) : 0;
    case "lanczos3":
      return x < 3 ? sinc(x) * sinc(x / 3) : 0;
    default:
      return x <= 0.5 ? 1 : 0;
  }
}

const SUPPORT: Record<ResizeKernel, number> = {
  nearest: 0.5,
  linear: 1,
  cubic: 2,
  mitchell: 2,
  lanczos2: 2,
  lanczos3: 3,
};

/** Per output sample: the taps and their normalised weights over [x0, x0 + len) clamped to [lo, hi). */
function taps(
  kernel: ResizeKernel,
  x0: number,
  len: number,
  lo: number,
  hi: number,
  out: number,
): { first: number; w: number[] }[] {
  const scale = len / out;
  return Array.from({ length: out }, (_, i) => {
    const center = x0 + (i + 0.5) * scale;
    if (kernel === "nearest") {
      const x = Math.min(hi - 1, Math.max(lo, Math.floor(center)));
      return { first: x, w: [1] };
    }
    const fs = Math.max(1, scale);
    const support = SUPPORT[kernel] * fs;
    const a = Math.max(lo, Math.floor(center - support + 0.5));
    const b = Math.min(hi, Math.floor(center + support + 0.5));
    const w = [];
    for (let j = a; j < b; j++) w.push(weight(kernel, (j + 0.5 - center) / fs));
    const total = w.reduce((s, v) => s + v, 0);
    return { first: a, w: w.map((v) => v / total) };
  });
}

/** The resize in float64, rounded once at the end. */
function reference(src: Uint8Array, r: ResizeRequest): Uint8Array {
  const ch = r.channels;
  const xlo = Math.max(0, Math.floor(r.left)),
    xhi = Math.min(r.width, Math.ceil(r.left + r.cropWidth));
  const ylo = Math.max(0, Math.floor(r.top)),
    yhi = Math.min(r.height, Math.ceil(r.top + r.cropHeight));
  const xs = taps(r.kernel, r.left, r.cropWidth, xlo, xhi, r.outWidth);
  const ys = taps(r.kernel, r.top, r.cropHeight, ylo, yhi, r.outHeight);
  const out = new Uint8Array(r.outWidth * r.outHeight * ch);
  for (let y = 0; y < r.outHeight; y++) {
    for (let x = 0; x < r.outWidth; x++) {
      for (let c = 0; c < ch; c++) {
        let v = 0;
        ys[y].w.forEach((wy, j) =>
          xs[x].w.forEach((wx, i) => {
            v += wy * wx *
              src[((ys[y].first + j) * r.width + xs[x].first + i) * ch + c];
          })
        );
        out[(y * r.outWidth + x) * ch + c] = Math.min(
          255,
          Math.max(0, Math.round(v)),
        );
      }
    }
  }
  return out;
}

/** Largest per-value difference. */
function maxDiff(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const CASES: Omit<ResizeRequest, "kernel" | "channels">[] = [
  // width, height, rect, out: up, down, by a non-integer factor, fractional
  // rectangles (a crop in a DCT-scaled image), odd and tiny sizes.
  {
    width: 37,
    height: 29,
    left: 0,
    top: 0,
    cropWidth: 37,
    cropHeight: 29,
    outWidth: 51,
    outHeight: 40,
  },
  {
    width: 90,
    height: 60,
    left: 15,
    top: 0,
    cropWidth: 60,
    cropHeight: 60,
    outWidth: 17,
    outHeight: 17,
  },
  {
    width: 45,
    height: 30,
    left: 7.5,
    top: 0,
    cropWidth: 30,
    cropHeight: 30,
    outWidth: 23,
    outHeight: 23,
  },
  {
    width: 23,
    height: 51,
    left: 0,
    top: 10.25,
    cropWidth: 23,
    cropHeight: 23,
    outWidth: 23,
    outHeight: 23,
  },
  {
    width: 5,
    height: 3,
    left: 1,
    top: 0,
    cropWidth: 3,
    cropHeight: 3,
    outWidth: 1,
    outHeight: 1,
  },
  {
    width: 1,
    height: 1,
    left: 0,
    top: 0,
    cropWidth: 1,
    cropHeight: 1,
    outWidth: 7,
    outHeight: 5,
  },
  {
    width: 300,
    height: 200,
    left: 50,
    top: 0,
    cropWidth: 200,
    cropHeight: 200,
    outWidth: 19,
    outHeight: 19,
  },
];

Deno.test("Resizer.resize() equals a float64 resampling within one level, for every kernel, grey and RGB", () => {
  const resizer = new Resizer();
  const rng = keyedRandom(5, "resizer_test");
  for (const kernel of KERNELS) {
    for (const channels of [1, 3] as const) {
      for (const c of CASES) {
        const pixels = Uint8Array.from(
          { length: c.width * c.height * channels },
          (_, i) => (i * 37 + rng.int(64)) & 255,
        );
        resizer.source(pixels.length).set(pixels);
        const r = { ...c, channels, kernel };
        const got = resizer.resize(r);
        assert.ok(
          maxDiff(got, reference(pixels, r)) <= 1,
          `${kernel} ${channels}ch ${JSON.stringify(c)}: ${
            maxDiff(got, reference(pixels, r))
          }`,
        );
      }
    }
  }
});

Deno.test("Resizer.resize() keeps a flat image flat and is deterministic", () => {
  const resizer = new Resizer();
  for (const kernel of KERNELS) {
    const source = resizer.source(40 * 30 * 3);
    source.fill(200);
    const r: ResizeRequest = {
      width: 40,
      height: 30,
      channels: 3,
      left: 3.5,
      top: 1.25,
      cropWidth: 27,
      cropHeight: 27,
      outWidth: 13,
      outHeight: 13,
      kernel,
    };
    const a = resizer.resize(r);
    assert.ok(a.every((v) => v === 200), kernel);
    assert.deepEqual(resizer.resize(r), a);
  }
});

Deno.test("Resizer.resize() is centre-aligned: a mirrored image stays mirrored, upscaled or downscaled", () => {
  const resizer = new Resizer();
  const side = 28;
  // Stripes mirrored about the vertical axis, with hard edges (as Fashion-MNIST's).
  const mirrored = Uint8Array.from({ length: side * side }, (_, i) => {
    const x = i % side, m = Math.min(x, side - 1 - x);
    return m >= 5 && m < 9 ? 255 : m < 3 ? 40 : 0;
  });
  for (const kernel of KERNELS) {
    for (const out of [32, 56, 20]) {
      resizer.source(mirrored.length).set(mirrored);
      const got = resizer.resize({
        width: side,
        height: side,
        channels: 1,
        left: 0,
        top: 0,
        cropWidth: side,
        cropHeight: side,
        outWidth: out,
        outHeight: out,
        kernel,
      });
      for (let y = 0; y < out; y++) {
        for (let x = 0; x < out; x++) {
          assert.equal(
            got[y * out + x],
            got[y * out + out - 1 - x],
            `${kernel} ${side} → ${out}: (${x}, ${y})`,
          );
        }
      }
    }
  }
});

Deno.test("Resizer.resize() refuses a source it was not given and an unknown kernel", () => {
  const resizer = new Resizer();
  resizer.source(10);
  const r: ResizeRequest = {
    width: 4,
    height: 4,
    channels: 3,
    left: 0,
    top: 0,
    cropWidth: 4,
    cropHeight: 4,
    outWidth: 2,
    outHeight: 2,
    kernel: "linear",
  };
  assert.throws(() => resizer.resize(r), /only 10 bytes were written/);
  resizer.source(48);
  assert.throws(
    () => resizer.resize({ ...r, kernel: "box" as ResizeKernel }),
    /Unknown resize kernel "box"/,
  );
});
