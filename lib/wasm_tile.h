/*
 * The register tile the project's relaxed-SIMD products share
 * (lib/nn/kernels/wasm/train_kernels.c, lib/metrics/wasm/knn_kernels.c): 3
 * rows of A, each splatted, against a panel of 12 columns of B (three
 * f32x4), accumulated with f32x4.relaxed_madd (a fused multiply-add where
 * the CPU has one). 3 x 12 measured fastest under V8: nine accumulators
 * plus three B vectors and a splat fit its registers; 4 x 12 and 6 x 8 ran
 * at about 0.6 of its rate.
 */
#include <wasm_simd128.h>

#define TILE_MR 3
#define TILE_NR 12

typedef float tile_f32x4 __attribute__((__vector_size__(16), __aligned__(16)));

/* a * b + c, fused where the CPU has FMA. */
static inline v128_t relaxed_madd(v128_t a, v128_t b, v128_t c) {
  return (v128_t)__builtin_wasm_relaxed_madd_f32x4((tile_f32x4)a, (tile_f32x4)b,
                                                   (tile_f32x4)c);
}

/* The nine accumulators of one tile: r[row][vector]. */
typedef struct {
  v128_t r[TILE_MR][3];
} Tile;

/*
 * The products of one tile over k in [0, kc): A's three rows at x0, x1, x2,
 * `step` floats from one k to the next; the B panel bp (kc x TILE_NR,
 * contiguous).
 */
static inline Tile tile_products(const float* x0, const float* x1, const float* x2, int step,
                                 const float* bp, int kc) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c02 = c00;
  v128_t c10 = c00, c11 = c00, c12 = c00;
  v128_t c20 = c00, c21 = c00, c22 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4), b2 = wasm_v128_load(bp + 8);
    v128_t x = wasm_v128_load32_splat(x0);
    c00 = relaxed_madd(x, b0, c00);
    c01 = relaxed_madd(x, b1, c01);
    c02 = relaxed_madd(x, b2, c02);
    x = wasm_v128_load32_splat(x1);
    c10 = relaxed_madd(x, b0, c10);
    c11 = relaxed_madd(x, b1, c11);
    c12 = relaxed_madd(x, b2, c12);
    x = wasm_v128_load32_splat(x2);
    c20 = relaxed_madd(x, b0, c20);
    c21 = relaxed_madd(x, b1, c21);
    c22 = relaxed_madd(x, b2, c22);
    x0 += step;
    x1 += step;
    x2 += step;
    bp += TILE_NR;
  }
  return (Tile){{{c00, c01, c02}, {c10, c11, c12}, {c20, c21, c22}}};
}
