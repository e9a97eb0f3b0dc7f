/*
 * The register tile the project's relaxed-SIMD products share
 * (lib/nn/kernels/wasm/train_kernels.c, lib/metrics/wasm/knn_kernels.c): 4
 * rows of A against a panel of 8 columns of B (two f32x4), accumulated with
 * f32x4.relaxed_madd (a fused multiply-add where the CPU has one): eight
 * accumulators, two B vectors, A's vector and a splat of it.
 *
 * With A packed (the 4 rows' values of one k side by side), one load gives
 * all four and a lane shuffle splats each, where the tile before (3 x 12,
 * a splatting load per row) issued three loads. On a quiet machine the two
 * run at the same rate; with the other vCPU busy (as when two threads
 * search or train) this one slows down less: whole 512-dim kNN searches
 * took a median 13% less time over 8 alternating runs (the fastest runs
 * tied), the training GEMM's products a median 0-18% less (a few 1-4%
 * more). 6 x 8 and 4 x 12 (more registers than V8 keeps) ran slower than
 * either.
 * Every element of C is the same chain of fused multiply-adds in k order
 * whatever the tile, so the tile shape does not change a single bit.
 */
#include <wasm_simd128.h>

#define TILE_MR 4
#define TILE_NR 8

typedef float tile_f32x4 __attribute__((__vector_size__(16), __aligned__(16)));

/* a * b + c, fused where the CPU has FMA. */
static inline v128_t relaxed_madd(v128_t a, v128_t b, v128_t c) {
  return (v128_t)__builtin_wasm_relaxed_madd_f32x4((tile_f32x4)a, (tile_f32x4)b,
                                                   (tile_f32x4)c);
}

/* The eight accumulators of one tile: r[row][vector]. */
typedef struct {
  v128_t r[TILE_MR][2];
} Tile;

/* Adds x * (b0, b1) to one row's accumulators (lo, hi); x is evaluated once. */
#define TILE_ROW(x, lo, hi)          \
  do {                               \
    v128_t s = (x);                  \
    lo = relaxed_madd(s, b0, lo);    \
    hi = relaxed_madd(s, b1, hi);    \
  } while (0)

/*
 * The products of one tile over k in [0, kc): A packed (ap: kc x TILE_MR,
 * row i's value of k at ap[k * TILE_MR + i]); the B panel bp (kc x
 * TILE_NR, contiguous).
 */
static inline Tile tile_products_packed(const float* ap, const float* bp, int kc) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    v128_t a = wasm_v128_load(ap);
    TILE_ROW(wasm_i32x4_shuffle(a, a, 0, 0, 0, 0), c00, c01);
    TILE_ROW(wasm_i32x4_shuffle(a, a, 1, 1, 1, 1), c10, c11);
    TILE_ROW(wasm_i32x4_shuffle(a, a, 2, 2, 2, 2), c20, c21);
    TILE_ROW(wasm_i32x4_shuffle(a, a, 3, 3, 3, 3), c30, c31);
    ap += TILE_MR;
    bp += TILE_NR;
  }
  return (Tile){{{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}}};
}

/*
 * The same with A read in place: its four rows at x0..x3, `step` floats
 * from one k to the next.
 */
static inline Tile tile_products(const float* x0, const float* x1, const float* x2,
                                 const float* x3, int step, const float* bp, int kc) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    TILE_ROW(wasm_v128_load32_splat(x0), c00, c01);
    TILE_ROW(wasm_v128_load32_splat(x1), c10, c11);
    TILE_ROW(wasm_v128_load32_splat(x2), c20, c21);
    TILE_ROW(wasm_v128_load32_splat(x3), c30, c31);
    x0 += step;
    x1 += step;
    x2 += step;
    x3 += step;
    bp += TILE_NR;
  }
  return (Tile){{{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}}};
}
