/*
 * Gradient kernels for training on tfjs's wasm backend (NHWC, float32).
 *
 * This module imports the tfjs wasm backend's own linear memory, so every
 * pointer below is a tensor's `memoryOffset` in that heap: no copies between
 * modules. It must not own any memory: no static data and no shadow stack
 * (build.sh checks the output for both). Loops are written so clang emits
 * wasm SIMD (f32x4) over the contiguous channel axis.
 *
 * Build: lib/nn/kernels/wasm/build.sh (clang-16 + wasm-ld-16 from Debian: relaxed SIMD).
 */
#include <wasm_simd128.h>

#include "../../../wasm_tile.h"

#define EXPORT(name) __attribute__((export_name(#name)))

typedef float f32;

/* dst[i] += src[i], n elements. */
static inline void add_into(f32* restrict dst, const f32* restrict src, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    wasm_v128_store(dst + i, wasm_f32x4_add(wasm_v128_load(dst + i), wasm_v128_load(src + i)));
  }
  for (; i < n; i++) dst[i] += src[i];
}

/* dst[i] += a[i] * b[i], n elements. */
static inline void mul_add_into(f32* restrict dst, const f32* restrict a, const f32* restrict b, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t p = wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i));
    wasm_v128_store(dst + i, wasm_f32x4_add(wasm_v128_load(dst + i), p));
  }
  for (; i < n; i++) dst[i] += a[i] * b[i];
}

/* Adds `n` floats of `src` into `dst`. */
EXPORT(add_f32)
void add_f32(f32* dst, const f32* src, int n) { add_into(dst, src, n); }

/*
 * Batched 2-D transpose: for each of `batch` matrices, dst[c][r] = src[r][c]
 * with src shaped [rows, cols]. Tiled 4x4 with SIMD shuffles, 32x32 blocks
 * for cache locality.
 */
EXPORT(transpose_f32)
void transpose_f32(const f32* src, f32* dst, int batch, int rows, int cols) {
  const int block = 32;
  for (int m = 0; m < batch; m++) {
    const f32* s = src + (long)m * rows * cols;
    f32* d = dst + (long)m * rows * cols;
    for (int r0 = 0; r0 < rows; r0 += block) {
      int r1 = r0 + block < rows ? r0 + block : rows;
      for (int c0 = 0; c0 < cols; c0 += block) {
        int c1 = c0 + block < cols ? c0 + block : cols;
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
          int c = c0;
          for (; c + 4 <= c1; c += 4) {
            v128_t a = wasm_v128_load(s + (r + 0) * cols + c);
            v128_t b = wasm_v128_load(s + (r + 1) * cols + c);
            v128_t e = wasm_v128_load(s + (r + 2) * cols + c);
            v128_t f = wasm_v128_load(s + (r + 3) * cols + c);
            v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5);
            v128_t ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
            v128_t ef_lo = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5);
            v128_t ef_hi = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
            wasm_v128_store(d + (c + 0) * rows + r, wasm_i32x4_shuffle(ab_lo, ef_lo, 0, 1, 4, 5));
            wasm_v128_store(d + (c + 1) * rows + r, wasm_i32x4_shuffle(ab_lo, ef_lo, 2, 3, 6, 7));
            wasm_v128_store(d + (c + 2) * rows + r, wasm_i32x4_shuffle(ab_hi, ef_hi, 0, 1, 4, 5));
            wasm_v128_store(d + (c + 3) * rows + r, wasm_i32x4_shuffle(ab_hi, ef_hi, 2, 3, 6, 7));
          }
          for (; c < c1; c++) {
            for (int k = 0; k < 4; k++) d[c * rows + r + k] = s[(r + k) * cols + c];
          }
        }
        for (; r < r1; r++) {
          for (int c = c0; c < c1; c++) d[c * rows + r] = s[r * cols + c];
        }
      }
    }
  }
}

/*
 * im2col for NHWC: cols[n][(kh*KW + kw)*CI + ci] = x[b][ih][iw][ci] with
 * n = (b*OH + oh)*OW + ow, ih = oh*SH - PT + kh, iw = ow*SW - PL + kw, and 0
 * outside the input. `b` runs over [b0, b1) and rows are written from 0.
 */
EXPORT(im2col_f32)
void im2col_f32(const f32* x, f32* cols, int b0, int b1, int H, int W, int CI, int OH, int OW,
                int KH, int KW, int SH, int SW, int PT, int PL) {
  const int K = KH * KW * CI;
  f32* row = cols;
  for (int b = b0; b < b1; b++) {
    const f32* xb = x + (long)b * H * W * CI;
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++, row += K) {
        f32* out = row;
        for (int kh = 0; kh < KH; kh++) {
          int ih = oh * SH - PT + kh;
          if (ih < 0 || ih >= H) {
            __builtin_memset(out, 0, sizeof(f32) * KW * CI);
            out += KW * CI;
            continue;
          }
          int iw0 = ow * SW - PL;
          if (iw0 >= 0 && iw0 + KW <= W) {
            /* The whole kernel row is inside: one contiguous run. */
            __builtin_memcpy(out, xb + ((long)ih * W + iw0) * CI, sizeof(f32) * KW * CI);
            out += KW * CI;
            continue;
          }
          for (int kw = 0; kw < KW; kw++, out += CI) {
            int iw = iw0 + kw;
            if (iw < 0 || iw >= W) {
              __builtin_memset(out, 0, sizeof(f32) * CI);
            } else {
              __builtin_memcpy(out, xb + ((long)ih * W + iw) * CI, sizeof(f32) * CI);
            }
          }
        }
      }
    }
  }
}

/*
 * Transposed im2col for NHWC: colsT[(kh*KW + kw)*CI + ci][n] with n and the
 * values as in im2col_f32, and N = (b1 - b0)*OH*OW columns. Used as the left
 * operand of the filter-gradient matmul, so XNNPACK packs only dy (the small
 * operand). Each input row stays in L1 while its taps are gathered.
 */
EXPORT(im2col_t_f32)
void im2col_t_f32(const f32* x, f32* colsT, int b0, int b1, int H, int W, int CI, int OH, int OW,
                  int KH, int KW, int SH, int SW, int PT, int PL) {
  const long N = (long)(b1 - b0) * OH * OW;
  for (int b = b0; b < b1; b++) {
    const f32* xb = x + (long)b * H * W * CI;
    for (int oh = 0; oh < OH; oh++) {
      const long n0 = ((long)(b - b0) * OH + oh) * OW;
      for (int kh = 0; kh < KH; kh++) {
        int ih = oh * SH - PT + kh;
        for (int kw = 0; kw < KW; kw++) {
          /* Valid ow range: 0 <= ow*SW - PL + kw < W. */
          int lo = 0, hi = OW;
          while (lo < OW && lo * SW - PL + kw < 0) lo++;
          while (hi > lo && (hi - 1) * SW - PL + kw >= W) hi--;
          for (int ci = 0; ci < CI; ci++) {
            f32* out = colsT + ((long)(kh * KW + kw) * CI + ci) * N + n0;
            if (ih < 0 || ih >= H) {
              for (int ow = 0; ow < OW; ow++) out[ow] = 0.0f;
              continue;
            }
            const f32* src = xb + ((long)ih * W + (kw - PL)) * CI + ci;
            for (int ow = 0; ow < lo; ow++) out[ow] = 0.0f;
            for (int ow = lo; ow < hi; ow++) out[ow] = src[(long)ow * SW * CI];
            for (int ow = hi; ow < OW; ow++) out[ow] = 0.0f;
          }
        }
      }
    }
  }
}

/*
 * col2im for NHWC, accumulating: dx[b][ih][iw][ci] += cols[n][(kh*KW+kw)*CI+ci]
 * (the adjoint of im2col_f32). dx must be zeroed by the caller.
 */
EXPORT(col2im_add_f32)
void col2im_add_f32(const f32* cols, f32* dx, int b0, int b1, int H, int W, int CI, int OH, int OW,
                    int KH, int KW, int SH, int SW, int PT, int PL) {
  const int K = KH * KW * CI;
  const f32* row = cols;
  for (int b = b0; b < b1; b++) {
    f32* db = dx + (long)b * H * W * CI;
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++, row += K) {
        for (int kh = 0; kh < KH; kh++) {
          int ih = oh * SH - PT + kh;
          if (ih < 0 || ih >= H) continue;
          for (int kw = 0; kw < KW; kw++) {
            int iw = ow * SW - PL + kw;
            if (iw < 0 || iw >= W) continue;
            add_into(db + ((long)ih * W + iw) * CI, row + (kh * KW + kw) * CI, CI);
          }
        }
      }
    }
  }
}

/*
 * Depthwise filter gradient, NHWC, channel multiplier M:
 * dw[kh][kw][c][m] = sum over b, oh, ow of x[b][ih][iw][c] * dy[b][oh][ow][c*M + m].
 * dw (KH*KW*C*M floats) must be zeroed by the caller.
 */
EXPORT(depthwise_filter_grad_f32)
void depthwise_filter_grad_f32(const f32* x, const f32* dy, f32* dw, int B, int H, int W, int C,
                               int OH, int OW, int KH, int KW, int SH, int SW, int PT, int PL, int M) {
  const int CO = C * M;
  for (int b = 0; b < B; b++) {
    const f32* xb = x + (long)b * H * W * C;
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++) {
        const f32* g = dy + (((long)b * OH + oh) * OW + ow) * CO;
        for (int kh = 0; kh < KH; kh++) {
          int ih = oh * SH - PT + kh;
          if (ih < 0 || ih >= H) continue;
          for (int kw = 0; kw < KW; kw++) {
            int iw = ow * SW - PL + kw;
            if (iw < 0 || iw >= W) continue;
            const f32* xv = xb + ((long)ih * W + iw) * C;
            f32* acc = dw + (kh * KW + kw) * CO;
            if (M == 1) {
              mul_add_into(acc, xv, g, C);
            } else {
              for (int c = 0; c < C; c++) {
                for (int m = 0; m < M; m++) acc[c * M + m] += xv[c] * g[c * M + m];
              }
            }
          }
        }
      }
    }
  }
}

/*
 * Depthwise input gradient, NHWC, channel multiplier M:
 * dx[b][ih][iw][c] += sum over taps and m of dy[b][oh][ow][c*M+m] * w[kh][kw][c][m].
 * dx must be zeroed by the caller.
 */
EXPORT(depthwise_input_grad_f32)
void depthwise_input_grad_f32(const f32* dy, const f32* w, f32* dx, int B, int H, int W, int C,
                              int OH, int OW, int KH, int KW, int SH, int SW, int PT, int PL, int M) {
  const int CO = C * M;
  for (int b = 0; b < B; b++) {
    f32* db = dx + (long)b * H * W * C;
    for (int oh = 0; oh < OH; oh++) {
      for (int ow = 0; ow < OW; ow++) {
        const f32* g = dy + (((long)b * OH + oh) * OW + ow) * CO;
        for (int kh = 0; kh < KH; kh++) {
          int ih = oh * SH - PT + kh;
          if (ih < 0 || ih >= H) continue;
          for (int kw = 0; kw < KW; kw++) {
            int iw = ow * SW - PL + kw;
            if (iw < 0 || iw >= W) continue;
            f32* out = db + ((long)ih * W + iw) * C;
            const f32* wv = w + (kh * KW + kw) * CO;
            if (M == 1) {
              mul_add_into(out, g, wv, C);
            } else {
              for (int c = 0; c < C; c++) {
                f32 s = 0;
                for (int m = 0; m < M; m++) s += g[c * M + m] * wv[c * M + m];
                out[c] += s;
              }
            }
          }
        }
      }
    }
  }
}

/*
 * Rotates a conv filter by 180 degrees and swaps its channel axes:
 * dst[kh][kw][co][ci] = src[KH-1-kh][KW-1-kw][ci][co]. Turns the input
 * gradient of a stride-1 convolution into a forward convolution.
 */
EXPORT(rotate_filter_f32)
void rotate_filter_f32(const f32* src, f32* dst, int KH, int KW, int CI, int CO) {
  for (int kh = 0; kh < KH; kh++) {
    for (int kw = 0; kw < KW; kw++) {
      const f32* s = src + ((KH - 1 - kh) * KW + (KW - 1 - kw)) * CI * CO;
      f32* d = dst + (kh * KW + kw) * CI * CO;
      for (int ci = 0; ci < CI; ci++) {
        for (int co = 0; co < CO; co++) d[co * CI + ci] = s[ci * CO + co];
      }
    }
  }
}

/*
 * Batch normalisation in training mode over rows x C (NHWC flattened):
 * mean and biased variance per channel (two passes, as tf.moments), then
 * y = (x - mean) * gamma / sqrt(var + eps) + beta. `scratch` holds 2*C floats.
 */
EXPORT(batch_norm_train_f32)
void batch_norm_train_f32(const f32* x, const f32* gamma, const f32* beta, f32 eps, int rows, int C,
                          f32* y, f32* mean, f32* var, f32* scratch) {
  for (int c = 0; c < C; c++) mean[c] = 0.0f, var[c] = 0.0f;
  for (int r = 0; r < rows; r++) add_into(mean, x + (long)r * C, C);
  const f32 inv_n = 1.0f / (f32)rows;
  for (int c = 0; c < C; c++) mean[c] *= inv_n;
  for (int r = 0; r < rows; r++) {
    const f32* xr = x + (long)r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v128_t d = wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(mean + c));
      wasm_v128_store(var + c, wasm_f32x4_add(wasm_v128_load(var + c), wasm_f32x4_mul(d, d)));
    }
    for (; c < C; c++) {
      f32 d = xr[c] - mean[c];
      var[c] += d * d;
    }
  }
  f32* scale = scratch;
  f32* shift = scratch + C;
  for (int c = 0; c < C; c++) {
    var[c] *= inv_n;
    scale[c] = gamma[c] / __builtin_sqrtf(var[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  for (int r = 0; r < rows; r++) {
    const f32* xr = x + (long)r * C;
    f32* yr = y + (long)r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v128_t v = wasm_f32x4_mul(wasm_v128_load(xr + c), wasm_v128_load(scale + c));
      wasm_v128_store(yr + c, wasm_f32x4_add(v, wasm_v128_load(shift + c)));
    }
    for (; c < C; c++) yr[c] = xr[c] * scale[c] + shift[c];
  }
}

/*
 * Gradient of batch_norm_train_f32. With r = 1/sqrt(var + eps), S1 = sum(dy)
 * and S2 = sum(dy * (x - mean)) per channel:
 *   dbeta = S1, dgamma = S2 * r,
 *   dx = gamma*r*(dy - S1/N - (x - mean)*r^2*S2/N) + dmean/N + 2*dvar*(x - mean)/N,
 * where dmean/dvar (may be 0 = absent) are upstream gradients of the mean and
 * variance outputs. `scratch` holds 3*C floats.
 */
EXPORT(batch_norm_train_grad_f32)
void batch_norm_train_grad_f32(const f32* dy, const f32* x, const f32* mean, const f32* var,
                               const f32* gamma, const f32* dmean, const f32* dvar, f32 eps, int rows,
                               int C, f32* dx, f32* dgamma, f32* dbeta, f32* scratch) {
  for (int c = 0; c < C; c++) dbeta[c] = 0.0f, dgamma[c] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const f32* g = dy + (long)r * C;
    const f32* xr = x + (long)r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v128_t gv = wasm_v128_load(g + c);
      v128_t d = wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(mean + c));
      wasm_v128_store(dbeta + c, wasm_f32x4_add(wasm_v128_load(dbeta + c), gv));
      wasm_v128_store(dgamma + c, wasm_f32x4_add(wasm_v128_load(dgamma + c), wasm_f32x4_mul(gv, d)));
    }
    for (; c < C; c++) {
      dbeta[c] += g[c];
      dgamma[c] += g[c] * (xr[c] - mean[c]);
    }
  }
  const f32 inv_n = 1.0f / (f32)rows;
  f32* a = scratch;          /* coefficient of dy */
  f32* b = scratch + C;      /* constant term */
  f32* d = scratch + 2 * C;  /* coefficient of (x - mean) */
  for (int c = 0; c < C; c++) {
    f32 r = 1.0f / __builtin_sqrtf(var[c] + eps);
    f32 gr = gamma[c] * r;
    a[c] = gr;
    b[c] = -gr * dbeta[c] * inv_n + (dmean ? dmean[c] * inv_n : 0.0f);
    d[c] = -gr * r * r * dgamma[c] * inv_n + (dvar ? 2.0f * dvar[c] * inv_n : 0.0f);
    dgamma[c] *= r;
  }
  for (int r = 0; r < rows; r++) {
    const f32* g = dy + (long)r * C;
    const f32* xr = x + (long)r * C;
    f32* o = dx + (long)r * C;
    int c = 0;
    for (; c + 4 <= C; c += 4) {
      v128_t xm = wasm_f32x4_sub(wasm_v128_load(xr + c), wasm_v128_load(mean + c));
      v128_t v = wasm_f32x4_mul(wasm_v128_load(a + c), wasm_v128_load(g + c));
      v = wasm_f32x4_add(v, wasm_v128_load(b + c));
      v = wasm_f32x4_add(v, wasm_f32x4_mul(wasm_v128_load(d + c), xm));
      wasm_v128_store(o + c, v);
    }
    for (; c < C; c++) o[c] = a[c] * g[c] + b[c] + d[c] * (xr[c] - mean[c]);
  }
}

/*
 * One Adam step in Keras/TF's form (ResourceApplyAdam), moments in place and
 * the new parameters into `p_out` (a fresh tensor: tfjs's wasm backend caches
 * packed conv/matmul weights by tensor id, so parameters must not change in
 * place):
 *   m += (g - m) * (1 - beta1);  v += (g*g - v) * (1 - beta2);
 *   p -= lr_t * m / (sqrt(v) + eps),  lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
 * (lr_t is computed by the caller in double precision).
 */
EXPORT(adam_f32)
void adam_f32(const f32* p, f32* p_out, const f32* g, f32* m, f32* v, int n, f32 lr_t, f32 beta1,
              f32 beta2, f32 eps) {
  const v128_t one_b1 = wasm_f32x4_splat(1.0f - beta1);
  const v128_t one_b2 = wasm_f32x4_splat(1.0f - beta2);
  const v128_t lr = wasm_f32x4_splat(lr_t);
  const v128_t ep = wasm_f32x4_splat(eps);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gv = wasm_v128_load(g + i);
    v128_t mv = wasm_v128_load(m + i);
    v128_t vv = wasm_v128_load(v + i);
    mv = wasm_f32x4_add(mv, wasm_f32x4_mul(wasm_f32x4_sub(gv, mv), one_b1));
    vv = wasm_f32x4_add(vv, wasm_f32x4_mul(wasm_f32x4_sub(wasm_f32x4_mul(gv, gv), vv), one_b2));
    v128_t step = wasm_f32x4_div(wasm_f32x4_mul(lr, mv), wasm_f32x4_add(wasm_f32x4_sqrt(vv), ep));
    wasm_v128_store(m + i, mv);
    wasm_v128_store(v + i, vv);
    wasm_v128_store(p_out + i, wasm_f32x4_sub(wasm_v128_load(p + i), step));
  }
  for (; i < n; i++) {
    m[i] += (g[i] - m[i]) * (1.0f - beta1);
    v[i] += (g[i] * g[i] - v[i]) * (1.0f - beta2);
    p_out[i] = p[i] - lr_t * m[i] / (__builtin_sqrtf(v[i]) + eps);
  }
}

/* dst[i] = alpha * dst[i] + beta * src[i] (combining replicas' gradients). */
EXPORT(axpby_f32)
void axpby_f32(f32* dst, f32 alpha, const f32* src, f32 beta, int n) {
  const v128_t a = wasm_f32x4_splat(alpha), b = wasm_f32x4_splat(beta);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t v = wasm_f32x4_mul(wasm_v128_load(dst + i), a);
    wasm_v128_store(dst + i, wasm_f32x4_add(v, wasm_f32x4_mul(wasm_v128_load(src + i), b)));
  }
  for (; i < n; i++) dst[i] = alpha * dst[i] + beta * src[i];
}

/* y[r][c] += bias[c] for rows x C (a conv's bias, NHWC). */
EXPORT(add_bias_f32)
void add_bias_f32(f32* y, const f32* bias, int rows, int C) {
  for (int r = 0; r < rows; r++) add_into(y + (long)r * C, bias, C);
}

/* out[i] = a[i] * b[i] (SiLU's x * sigmoid(x)). */
EXPORT(mul_f32)
void mul_f32(f32* out, const f32* a, const f32* b, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  }
  for (; i < n; i++) out[i] = a[i] * b[i];
}

/*
 * Gradient of SiLU y = x * s, s = sigmoid(x):
 *   dx = dy * s * (1 + x * (1 - s)) + ds * s * (1 - s)
 * where ds (may be 0 = absent) is an upstream gradient of the s output.
 */
EXPORT(silu_grad_f32)
void silu_grad_f32(const f32* dy, const f32* ds, const f32* x, const f32* s, f32* dx, int n) {
  const v128_t one = wasm_f32x4_splat(1.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t sv = wasm_v128_load(s + i);
    v128_t one_s = wasm_f32x4_sub(one, sv);
    v128_t g = wasm_f32x4_add(one, wasm_f32x4_mul(wasm_v128_load(x + i), one_s));
    v128_t v = wasm_f32x4_mul(wasm_v128_load(dy + i), wasm_f32x4_mul(sv, g));
    if (ds) v = wasm_f32x4_add(v, wasm_f32x4_mul(wasm_v128_load(ds + i), wasm_f32x4_mul(sv, one_s)));
    wasm_v128_store(dx + i, v);
  }
  for (; i < n; i++) {
    f32 v = dy[i] * s[i] * (1.0f + x[i] * (1.0f - s[i]));
    if (ds) v += ds[i] * s[i] * (1.0f - s[i]);
    dx[i] = v;
  }
}

/*
 * C[M,N] = A[M,K] B[K,N], row-major (A and B may be given transposed: the
 * packing reads them either way): a register-blocked GEMM with fused
 * multiply-adds on lib/wasm_tile.h's 4 x 8 tile. B is packed
 * once into `pack` (panels of GEMM_NR columns, zero-padded) and, when N is
 * wide enough to repay it, each GEMM_MC x GEMM_KC block of A into panels of
 * GEMM_MR rows after it, so the micro-kernel reads two contiguous streams;
 * a B panel of GEMM_KC rows stays in L1 while every A panel passes it.
 */
#define GEMM_MR TILE_MR
#define GEMM_NR TILE_NR
#define GEMM_KC 256
#define GEMM_MC 96

/*
 * Packs B[K,N] into panels of NR columns: panel p holds B[k][p*NR + j] at
 * (p*K + k)*NR + j, zero past column N. B is row-major [K, N], or given
 * transposed (`bt`: row-major [N, K]).
 */
static void gemm_pack_b(const f32* b, int bt, f32* pack, int K, int N) {
  const int panels = (N + GEMM_NR - 1) / GEMM_NR;
  for (int p = 0; p < panels; p++) {
    const int j0 = p * GEMM_NR, cols = N - j0 < GEMM_NR ? N - j0 : GEMM_NR;
    f32* dst = pack + (long)p * K * GEMM_NR;
    if (bt) {
      for (int j = 0; j < GEMM_NR; j++) {
        const f32* src = b + (long)(j0 + j) * K;
        for (int k = 0; k < K; k++) dst[k * GEMM_NR + j] = j < cols ? src[k] : 0.0f;
      }
    } else if (cols == GEMM_NR) {
      for (int k = 0; k < K; k++) {
        const f32* src = b + (long)k * N + j0;
        wasm_v128_store(dst, wasm_v128_load(src));
        wasm_v128_store(dst + 4, wasm_v128_load(src + 4));
        dst += GEMM_NR;
      }
    } else {
      for (int k = 0; k < K; k++) {
        const f32* src = b + (long)k * N + j0;
        for (int j = 0; j < GEMM_NR; j++) dst[j] = j < cols ? src[j] : 0.0f;
        dst += GEMM_NR;
      }
    }
  }
}

/*
 * Writes a tile into C (ldc floats a row): adds to what is there when `add`,
 * else overwrites; only `rows` x `cols` of it (through `scratch` for an edge
 * tile).
 */
static inline void gemm_store(Tile t, f32* c, int ldc, int rows, int cols, int add, f32* scratch) {
  if (rows == GEMM_MR && cols == GEMM_NR) {
    for (int i = 0; i < GEMM_MR; i++) {
      for (int v = 0; v < 2; v++) {
        f32* at = c + (long)i * ldc + 4 * v;
        wasm_v128_store(at, add ? wasm_f32x4_add(t.r[i][v], wasm_v128_load(at)) : t.r[i][v]);
      }
    }
    return;
  }
  for (int i = 0; i < GEMM_MR; i++) {
    for (int v = 0; v < 2; v++) wasm_v128_store(scratch + i * GEMM_NR + 4 * v, t.r[i][v]);
  }
  for (int i = 0; i < rows; i++) {
    for (int j = 0; j < cols; j++) {
      f32 x = scratch[i * GEMM_NR + j];
      c[(long)i * ldc + j] = add ? c[(long)i * ldc + j] + x : x;
    }
  }
}

/*
 * Packs rows [i0, i1) x columns [k0, k0 + kc) of A into panels of MR rows
 * (kc x MR each; missing rows 0). A is row-major [M, K], or given
 * transposed (`at`: row-major [K, M]).
 */
static void gemm_pack_a(const f32* a, int at, f32* ap, int M, int K, int i0, int i1, int k0, int kc) {
  for (int i = i0; i < i1; i += GEMM_MR) {
    for (int r = 0; r < GEMM_MR; r++) {
      if (i + r >= i1) {
        for (int k = 0; k < kc; k++) ap[k * GEMM_MR + r] = 0.0f;
      } else if (at) {
        const f32* src = a + (long)k0 * M + i + r;
        for (int k = 0; k < kc; k++) ap[k * GEMM_MR + r] = src[(long)k * M];
      } else {
        const f32* src = a + (long)(i + r) * K + k0;
        for (int k = 0; k < kc; k++) ap[k * GEMM_MR + r] = src[k];
      }
    }
    ap += kc * GEMM_MR;
  }
}

/*
 * C = A B (see above); `pack` holds K * ceil(N / NR) * NR + MC * KC + MR * NR
 * floats. Bit 0 of `transposed`: A is given as [K, M]; bit 1: B as [N, K].
 */
EXPORT(matmul_f32)
void matmul_f32(const f32* a, const f32* b, f32* c, f32* pack, int M, int K, int N, int transposed) {
  const int at = transposed & 1, bt = (transposed >> 1) & 1;
  const int panels = (N + GEMM_NR - 1) / GEMM_NR;
  f32* apack = pack + (long)K * panels * GEMM_NR;
  f32* scratch = apack + GEMM_MC * GEMM_KC;
  if (K == 0) {
    for (long i = 0; i < (long)M * N; i++) c[i] = 0.0f;
    return;
  }
  gemm_pack_b(b, bt, pack, K, N);
  /* Packing A costs about as much as N / 4 multiply-adds a float: worth it from four panels on. */
  const int packed = panels >= 4;
  for (int k0 = 0; k0 < K; k0 += GEMM_KC) {
    const int kc = K - k0 < GEMM_KC ? K - k0 : GEMM_KC;
    for (int i0 = 0; i0 < M; i0 += GEMM_MC) {
      const int i1 = M - i0 < GEMM_MC ? M : i0 + GEMM_MC;
      if (packed) gemm_pack_a(a, at, apack, M, K, i0, i1, k0, kc);
      for (int p = 0; p < panels; p++) {
        const int j0 = p * GEMM_NR, cols = N - j0 < GEMM_NR ? N - j0 : GEMM_NR;
        const f32* bp = pack + ((long)p * K + k0) * GEMM_NR;
        for (int i = i0; i < i1; i += GEMM_MR) {
          const int rows = i1 - i < GEMM_MR ? i1 - i : GEMM_MR;
          Tile t;
          if (packed) {
            const f32* ap = apack + (long)(i - i0) * kc;
            t = tile_products_packed(ap, bp, kc);
          } else {
            /* A in place; a missing row repeats the first (its products are not stored). */
            const f32* a0 = at ? a + (long)k0 * M + i : a + (long)i * K + k0;
            const long row = at ? 1 : K;
            t = tile_products(a0, rows > 1 ? a0 + row : a0, rows > 2 ? a0 + 2 * row : a0,
                              rows > 3 ? a0 + 3 * row : a0, at ? M : 1, bp, kc);
          }
          gemm_store(t, c + (long)i * N + j0, N, rows, cols, k0 > 0, scratch);
        }
      }
    }
  }
}
