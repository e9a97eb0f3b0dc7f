/*
 * Separable image resampling of 8-bit grey or RGB pixels, compiled to wasm32
 * with SIMD128 and relaxed SIMD. Used by lib/image/_resize_wasm.ts on a
 * memory of its own that the caller lays out (no data, no shadow stack).
 *
 * Resizes a rectangle of the source (fractional edges allowed: a crop in
 * the coordinates of a JPEG decoded at 1/2, 1/4 or 1/8 scale) to ow x oh
 * pixels, as a crop followed by a resize: filter taps stay inside the
 * rectangle's pixels. The filter support widens with the reduction factor,
 * so downscaling is antialiased (as libvips and PIL do); weights are
 * normalised per output pixel. Vertical pass first (whole rows, SIMD over
 * bytes), then horizontal (one RGB pixel per f32x4), then round to nearest
 * and saturate to 0..255.
 *
 * Build: lib/image/wasm/build.sh (clang-16 and wasm-ld-16 from Debian).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef unsigned char u8;
typedef float f32;
typedef double f64;
typedef float f32x4 __attribute__((__vector_size__(16), __aligned__(16)));

static inline v128_t madd(v128_t a, v128_t b, v128_t c) {
  return (v128_t)__builtin_wasm_relaxed_madd_f32x4((f32x4)a, (f32x4)b, (f32x4)c);
}

/* Kernels, in the order of RESIZE_KERNELS in _resize_wasm.ts. */
enum { NEAREST, LINEAR, CUBIC, MITCHELL, LANCZOS2, LANCZOS3 };

/* Written as a chain of selects: a switch here would become a lookup table in a data section. */
static f64 support_of(int kernel) {
  f64 s = kernel == LINEAR ? 1.0 : 0.5;
  s = kernel == CUBIC || kernel == MITCHELL || kernel == LANCZOS2 ? 2.0 : s;
  return kernel == LANCZOS3 ? 3.0 : s;
}

/* sin(x) for the small |x| a Lanczos kernel needs: folded into [-pi/2, pi/2], Taylor to x^13 (error < 1e-11). */
static f64 sine(f64 x) {
  const f64 pi = 3.14159265358979323846;
  x -= __builtin_floor(x / (2 * pi) + 0.5) * 2 * pi;
  if (x > pi / 2) x = pi - x;
  else if (x < -pi / 2) x = -pi - x;
  f64 x2 = x * x;
  return x * (1 + x2 * (-1.0 / 6 + x2 * (1.0 / 120 + x2 * (-1.0 / 5040 + x2 * (1.0 / 362880 +
         x2 * (-1.0 / 39916800 + x2 / 6227020800.0))))));
}

static f64 sinc(f64 x) {
  if (x == 0.0) return 1.0;
  x *= 3.14159265358979323846;
  return sine(x) / x;
}

/* The filter's weight at distance x (in source pixels scaled to the filter's unit support). */
static f64 weight(int kernel, f64 x) {
  if (x < 0) x = -x;
  switch (kernel) {
    case LINEAR: return x < 1.0 ? 1.0 - x : 0.0;
    case CUBIC: { /* Catmull-Rom (B = 0, C = 0.5), as libvips' cubic */
      const f64 a = -0.5;
      if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
      if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
      return 0.0;
    }
    case MITCHELL: { /* B = C = 1/3 */
      const f64 b = 1.0 / 3.0, c = 1.0 / 3.0;
      if (x < 1.0) return ((12 - 9 * b - 6 * c) * x * x * x + (-18 + 12 * b + 6 * c) * x * x + (6 - 2 * b)) / 6;
      if (x < 2.0) return ((-b - 6 * c) * x * x * x + (6 * b + 30 * c) * x * x + (-12 * b - 48 * c) * x + (8 * b + 24 * c)) / 6;
      return 0.0;
    }
    case LANCZOS2: return x < 2.0 ? sinc(x) * sinc(x / 2.0) : 0.0;
    case LANCZOS3: return x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
    default: return x <= 0.5 ? 1.0 : 0.0;
  }
}

/*
 * Taps of `out` output samples over the source interval [x0, x0 + len)
 * (clamped to whole pixels [lo, hi)): first[i] and count[i], and `taps`
 * weights per sample in w (zero-padded). Returns nothing; taps is the
 * caller's bound (see max_taps).
 */
static void coefficients(int kernel, f64 x0, f64 len, int lo, int hi, int out, int taps, int* first,
                         int* count, f32* w) {
  f64 scale = len / out;
  if (kernel == NEAREST) {
    for (int i = 0; i < out; i++) {
      int x = (int)__builtin_floor(x0 + (i + 0.5) * scale);
      if (x < lo) x = lo;
      if (x >= hi) x = hi - 1;
      first[i] = x;
      count[i] = 1;
      w[i * taps] = 1.0f;
      for (int j = 1; j < taps; j++) w[i * taps + j] = 0.0f;
    }
    return;
  }
  f64 fs = scale > 1.0 ? scale : 1.0;
  f64 support = support_of(kernel) * fs;
  for (int i = 0; i < out; i++) {
    f64 center = x0 + (i + 0.5) * scale;
    int a = (int)__builtin_floor(center - support + 0.5);
    int b = (int)__builtin_floor(center + support + 0.5);
    if (a < lo) a = lo;
    if (b > hi) b = hi;
    if (b - a > taps) b = a + taps;
    if (b <= a) { /* a sample past the edge: nearest pixel */
      a = center < lo ? lo : hi - 1;
      b = a + 1;
    }
    f64 total = 0.0;
    for (int j = a; j < b; j++) total += weight(kernel, (j + 0.5 - center) / fs);
    first[i] = a;
    count[i] = b - a;
    for (int j = 0; j < taps; j++) {
      f64 v = j < b - a ? weight(kernel, (a + j + 0.5 - center) / fs) : 0.0;
      w[i * taps + j] = total == 0.0 ? (j == (b - a) / 2) : (f32)(v / total);
    }
  }
}

/* The most taps a filter can have over a reduction from len to out samples. */
EXPORT(max_taps)
int max_taps(int kernel, f64 len, int out) {
  if (kernel == NEAREST) return 1;
  f64 scale = len / out;
  f64 fs = scale > 1.0 ? scale : 1.0;
  int taps = (int)__builtin_ceil(2.0 * support_of(kernel) * fs) + 2;
  return taps > 64 ? 64 : taps;
}

/*
 * The resize. src is sw x sh x ch bytes; the rectangle is (x0, y0, cw, chh)
 * in source pixels. Scratch (the caller's): xfirst, xcount (ow ints each),
 * xw (ow * xtaps floats), yfirst, ycount (oh), yw (oh * ytaps), rows
 * ((xhi - xlo) * ch + 4 floats), line (ow * ch + 4 floats).
 */
EXPORT(resize_u8)
void resize_u8(const u8* src, int sw, int sh, int ch, f64 x0, f64 y0, f64 cw, f64 chh, int ow, int oh,
               int kernel, int xtaps, int ytaps, u8* out, int* xfirst, int* xcount, f32* xw, int* yfirst,
               int* ycount, f32* yw, f32* rows, f32* line) {
  int xlo = (int)__builtin_floor(x0), xhi = (int)__builtin_ceil(x0 + cw);
  int ylo = (int)__builtin_floor(y0), yhi = (int)__builtin_ceil(y0 + chh);
  if (xlo < 0) xlo = 0;
  if (ylo < 0) ylo = 0;
  if (xhi > sw) xhi = sw;
  if (yhi > sh) yhi = sh;
  coefficients(kernel, x0, cw, xlo, xhi, ow, xtaps, xfirst, xcount, xw);
  coefficients(kernel, y0, chh, ylo, yhi, oh, ytaps, yfirst, ycount, yw);
  const int span = (xhi - xlo) * ch; /* bytes of one source row inside the rectangle */
  for (int yy = 0; yy < oh; yy++) {
    /* Vertical: rows[0..span) = sum over taps of w * src rows. */
    const int y = yfirst[yy], n = ycount[yy];
    const f32* wy = yw + yy * ytaps;
    int i = 0;
    for (; i + 16 <= span; i += 16) {
      v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (int j = 0; j < n; j++) {
        v128_t px = wasm_v128_load(src + ((long)(y + j) * sw + xlo) * ch + i);
        v128_t lo16 = wasm_u16x8_extend_low_u8x16(px), hi16 = wasm_u16x8_extend_high_u8x16(px);
        v128_t wj = wasm_f32x4_splat(wy[j]);
        a0 = madd(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_low_u16x8(lo16)), wj, a0);
        a1 = madd(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_high_u16x8(lo16)), wj, a1);
        a2 = madd(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_low_u16x8(hi16)), wj, a2);
        a3 = madd(wasm_f32x4_convert_i32x4(wasm_u32x4_extend_high_u16x8(hi16)), wj, a3);
      }
      wasm_v128_store(rows + i, a0);
      wasm_v128_store(rows + i + 4, a1);
      wasm_v128_store(rows + i + 8, a2);
      wasm_v128_store(rows + i + 12, a3);
    }
    for (; i < span; i++) {
      f32 a = 0;
      for (int j = 0; j < n; j++) a += wy[j] * src[((long)(y + j) * sw + xlo) * ch + i];
      rows[i] = a;
    }
    /* Horizontal: one pixel (ch lanes of an f32x4) per output sample. */
    if (ch == 3) {
      for (int xx = 0; xx < ow; xx++) {
        const f32* r = rows + (xfirst[xx] - xlo) * 3;
        const f32* wx = xw + xx * xtaps;
        v128_t acc = wasm_f32x4_splat(0);
        for (int j = 0; j < xcount[xx]; j++) acc = madd(wasm_v128_load(r + 3 * j), wasm_f32x4_splat(wx[j]), acc);
        wasm_v128_store(line + xx * 3, acc); /* lane 3 is overwritten by the next pixel */
      }
    } else {
      for (int xx = 0; xx < ow; xx++) {
        const f32* r = rows + (xfirst[xx] - xlo) * ch;
        const f32* wx = xw + xx * xtaps;
        for (int c = 0; c < ch; c++) {
          f32 a = 0;
          for (int j = 0; j < xcount[xx]; j++) a += r[j * ch + c] * wx[j];
          line[xx * ch + c] = a;
        }
      }
    }
    /* Round to nearest and saturate into the output row. */
    u8* o = out + (long)yy * ow * ch;
    const int m = ow * ch;
    int k = 0;
    for (; k + 16 <= m; k += 16) {
      v128_t q0 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(line + k)));
      v128_t q1 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(line + k + 4)));
      v128_t q2 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(line + k + 8)));
      v128_t q3 = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_v128_load(line + k + 12)));
      v128_t h0 = wasm_u16x8_narrow_i32x4(q0, q1), h1 = wasm_u16x8_narrow_i32x4(q2, q3);
      wasm_v128_store(o + k, wasm_u8x16_narrow_i16x8(h0, h1));
    }
    for (; k < m; k++) {
      f32 v = __builtin_rintf(line[k]);
      o[k] = v <= 0 ? 0 : v >= 255 ? 255 : (u8)v;
    }
  }
}

static inline int quantise(f32 w, f32 one) { return (int)__builtin_floorf(w * one + 0.5f); }

/* One RGB output pixel of the fixed-point horizontal pass: [R G B 0] as int32 (x clamped to the row). */
static inline v128_t pixel3(const short* rows, int xlo, const int* xfirst, const int* xpairs, const short* xw,
                            int pairs, int x, int ow, v128_t half, v128_t zero) {
  if (x >= ow) x = ow - 1;
  const short* r = rows + (xfirst[x] - xlo) * 3;
  const v128_t* w = (const v128_t*)(xw + x * pairs * 8);
  v128_t acc = half;
  for (int p = 0; p < xpairs[x]; p++) {
    v128_t v = wasm_v128_load(r + 6 * p);
    /* [R0 R1 G0 G1 B0 B1 x x]: the weights of the last two lanes are 0. */
    v = wasm_i8x16_shuffle(v, v, 0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11, 0, 1, 0, 1);
    acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(v, wasm_v128_load(w + p)));
  }
  return wasm_i32x4_shr(acc, 21);
}

/*
 * The linear kernel (all weights >= 0) in fixed point, about twice as fast
 * as resize_u8: the vertical pass keeps 7 fractional bits in int16 (pixel
 * << 7 times Q15 weights, i16x8.q15mulr_sat), the horizontal pass takes
 * taps two at a time with i32x4.dot_i16x8 and Q14 weights, then rounds.
 * Weights are quantised so that each sample's sum is exact (a flat area
 * stays flat). Scratch: xfirst, xpairs (ow ints), xw (ow * pairs * 8
 * int16), yfirst, ycount (oh ints), yw (oh * ytaps int16), rows
 * ((xhi - xlo + 8) * ch int16), xf, yf (max(ow, oh) * max taps floats).
 */
EXPORT(resize_linear_u8)
void resize_linear_u8(const u8* src, int sw, int sh, int ch, f64 x0, f64 y0, f64 cw, f64 chh, int ow,
                      int oh, int xtaps, int ytaps, u8* out, int* xfirst, int* xpairs, short* xw,
                      int* yfirst, int* ycount, short* yw, short* rows, int* xcount, f32* xf, f32* yf) {
  int xlo = (int)__builtin_floor(x0), xhi = (int)__builtin_ceil(x0 + cw);
  int ylo = (int)__builtin_floor(y0), yhi = (int)__builtin_ceil(y0 + chh);
  if (xlo < 0) xlo = 0;
  if (ylo < 0) ylo = 0;
  if (xhi > sw) xhi = sw;
  if (yhi > sh) yhi = sh;
  coefficients(LINEAR, x0, cw, xlo, xhi, ow, xtaps, xfirst, xcount, xf);
  coefficients(LINEAR, y0, chh, ylo, yhi, oh, ytaps, yfirst, ycount, yf);
  const int pairs = (xtaps + 1) / 2;
  /* Quantise: Q14 pairs [w0 w1 w0 w1 w0 w1 0 0] (RGB) or [w0 w1 0 ...] (grey) per pair; Q15 rows. */
  for (int i = 0; i < ow; i++) {
    const int n = xcount[i];
    const f32* f = xf + i * xtaps;
    int sum = 0, big = 0;
    for (int j = 0; j < n; j++) {
      sum += quantise(f[j], 16384.0f);
      if (f[j] > f[big]) big = j;
    }
    xpairs[i] = (n + 1) / 2;
    for (int p = 0; p < pairs; p++) {
      short ab[2];
      for (int h = 0; h < 2; h++) {
        int j = 2 * p + h;
        ab[h] = j < n ? (short)(quantise(f[j], 16384.0f) + (j == big ? 16384 - sum : 0)) : 0;
      }
      short* w = xw + (i * pairs + p) * 8;
      for (int l = 0; l < 8; l++) w[l] = 0;
      if (ch == 3) {
        w[0] = w[2] = w[4] = ab[0];
        w[1] = w[3] = w[5] = ab[1];
      } else {
        w[0] = ab[0];
        w[1] = ab[1];
      }
    }
  }
  for (int i = 0; i < oh; i++) {
    const int n = ycount[i];
    const f32* f = yf + i * ytaps;
    int sum = 0, big = 0;
    for (int j = 0; j < n; j++) {
      sum += quantise(f[j], 32768.0f);
      if (f[j] > f[big]) big = j;
    }
    for (int j = 0; j < n; j++) {
      int q = quantise(f[j], 32768.0f) + (j == big ? 32768 - sum : 0);
      yw[i * ytaps + j] = (short)(q > 32767 ? 32767 : q);
    }
  }
  const int span = (xhi - xlo) * ch;
  const v128_t zero = wasm_i32x4_splat(0), half = wasm_i32x4_splat(1 << 20);
  for (int yy = 0; yy < oh; yy++) {
    const int y = yfirst[yy], n = ycount[yy];
    const short* wy = yw + yy * ytaps;
    int i = 0;
    for (; i + 16 <= span; i += 16) {
      v128_t a0 = zero, a1 = zero;
      for (int j = 0; j < n; j++) {
        v128_t px = wasm_v128_load(src + ((long)(y + j) * sw + xlo) * ch + i);
        v128_t w = wasm_i16x8_splat(wy[j]);
        a0 = wasm_i16x8_add(a0, wasm_i16x8_q15mulr_sat(wasm_i16x8_shl(wasm_u16x8_extend_low_u8x16(px), 7), w));
        a1 = wasm_i16x8_add(a1, wasm_i16x8_q15mulr_sat(wasm_i16x8_shl(wasm_u16x8_extend_high_u8x16(px), 7), w));
      }
      wasm_v128_store(rows + i, a0);
      wasm_v128_store(rows + i + 8, a1);
    }
    for (; i < span; i++) {
      int a = 0;
      for (int j = 0; j < n; j++) {
        int v = src[((long)(y + j) * sw + xlo) * ch + i] << 7;
        a += (v * wy[j] + (1 << 14)) >> 15;
      }
      rows[i] = (short)a;
    }
    for (int pad = 0; pad < 8 * ch; pad++) rows[span + pad] = 0;
    u8* o = out + (long)yy * ow * ch;
    if (ch == 3) {
      int xx = 0;
      for (; xx < ow; xx += 4) {
        v128_t p0 = pixel3(rows, xlo, xfirst, xpairs, xw, pairs, xx, ow, half, zero);
        v128_t p1 = pixel3(rows, xlo, xfirst, xpairs, xw, pairs, xx + 1, ow, half, zero);
        v128_t p2 = pixel3(rows, xlo, xfirst, xpairs, xw, pairs, xx + 2, ow, half, zero);
        v128_t p3 = pixel3(rows, xlo, xfirst, xpairs, xw, pairs, xx + 3, ow, half, zero);
        v128_t b = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(p0, p1), wasm_i16x8_narrow_i32x4(p2, p3));
        b = wasm_i8x16_shuffle(b, b, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0);
        wasm_v128_store(o + xx * 3, b); /* 12 bytes of pixels; the 4 after are rewritten next */
      }
    } else {
      for (int xx = 0; xx < ow; xx++) {
        const short* r = rows + (xfirst[xx] - xlo);
        const short* w = xw + xx * pairs * 8;
        int acc = 1 << 20;
        for (int p = 0; p < xpairs[xx]; p++) acc += r[2 * p] * w[p * 8] + r[2 * p + 1] * w[p * 8 + 1];
        acc >>= 21;
        o[xx] = acc < 0 ? 0 : acc > 255 ? 255 : (u8)acc;
      }
    }
  }
}
