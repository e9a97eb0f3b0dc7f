/*
 * Exact cosine k-nearest-neighbour search, compiled to wasm32 with SIMD128
 * and relaxed SIMD (f32x4.relaxed_madd: a fused multiply-add where the CPU
 * has one). Used by lib/metrics/_knn_search.ts; one instance per thread, on
 * its own memory, laid out by the caller (see KnnPlan).
 *
 * The search runs in two tiers so that its answer is the same, bit for bit,
 * as the float64 scan in lib/metrics/_nearest_neighbours.ts:
 *
 * 1. Filter: a register-blocked float32 GEMM of L2-normalised rows
 *    (MR queries x NR train rows per micro-kernel, train rows in L2-sized
 *    chunks) gives every similarity within EPS of its float64 value, where
 *    EPS = (dim + 4) * 2^-24 * 2 bounds the rounding of normalising in
 *    float32 and of a dim-term float32 dot product of unit vectors
 *    (|error| <= gamma_dim * |q||t|, Higham 3.1). Per query it keeps every
 *    train row that may still be among the k nearest (float32 similarity
 *    >= the running k-th best minus 2 EPS), and per (query, class) the best
 *    float32 similarity, its row, and whether another row of the class
 *    comes within 2 EPS of it.
 * 2. Rescore: the kept rows are scored again exactly as the float64 scan
 *    does (sequential sum of float64 products of the raw values, times
 *    1/|q| * 1/|t|), sorted by (similarity desc, train index asc) and cut
 *    at k; each class's best is the rescored best of its rows within 2 EPS
 *    of its float32 best (one row unless it was ambiguous).
 *
 * Build: lib/metrics/wasm/build.sh (clang-16 and wasm-ld-16 from Debian).
 * -ffp-contract=off keeps every a*b+c outside the GEMM unfused, as in JS.
 */
#include <wasm_simd128.h>

#include "../../wasm_tile.h"

#define EXPORT(name) __attribute__((export_name(#name)))
#define MR TILE_MR /* queries per micro-panel (one f32x4 per dimension) */
#define NR TILE_NR /* train rows per panel (two f32x4 vectors) */

typedef float f32;
typedef double f64;

/*
 * The layout of one search, written by the caller as 32-bit fields. Every
 * pointer is a byte offset in this instance's memory. "Packed" train rows
 * are ordered by (class, train index), so that each class is one run of
 * rows; perm maps a packed position to its train index.
 */
typedef struct {
  int dim, t, k, classes; /* classes = 0: no per-class bests */
  int tc;                 /* packed train rows per chunk, a multiple of NR */
  int qb;                 /* queries per block */
  int cap;                /* candidate slots per query */
  f32 eps2;               /* the window, 2 EPS plus float32 rounding slack */
  const f32* traw;        /* t x dim, packed order */
  const f64* inv_t;       /* t, 1/|row| (0 for a zero row), packed order */
  f32* tpack;             /* ceil(t/NR) panels of dim x NR, packed order */
  const int* perm;        /* t: packed position -> train index */
  const int* class_start; /* classes + 1: first packed position of each class */
  const int* class_of;    /* t: class of each packed position */
  const f32* qraw;        /* n x dim */
  const f64* inv_q;       /* n */
  f32* qpack;             /* qb/MR panels of dim x MR */
  f32* qnorm;             /* qb x dim, normalised queries (ambiguity scans) */
  f64* qwide;             /* qb x dim, the raw queries as float64 (class rescoring) */
  f32* strip;             /* MR x tc similarities of one chunk */
  f32* cand_val;          /* qb x cap */
  int* cand_pos;          /* qb x cap */
  int* cand_n;            /* qb */
  f32* thr;               /* qb */
  f32* select;            /* cap scratch for the k-th largest */
  f32* best_val;          /* qb x classes */
  int* best_pos;          /* qb x classes, -1 - pos when ambiguous */
  f64* resc_val;          /* cap */
  int* resc_idx;          /* cap */
  int* out_idx;           /* n x k, train indices, nearest first */
  f64* out_sim;           /* n x k */
  f32* out_class;         /* n x classes */
  int* overflow;          /* n: 1 where the window held too many rows (caller rescans) */
} KnnPlan;

/* Two float32 values at p, as float64. */
static inline v128_t widen2(const f32* p) { return wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p)); }

/* Normalises train rows into panels of NR, in packed order; padding rows are 0. */
EXPORT(knn_pack_train)
void knn_pack_train(KnnPlan* p) {
  const int dim = p->dim, t = p->t, panels = (t + NR - 1) / NR;
  for (int pp = 0; pp < panels; pp++) {
    f32* panel = p->tpack + (long)pp * dim * NR;
    for (int jj = 0; jj < NR; jj++) {
      int j = pp * NR + jj;
      if (j >= t) {
        for (int d = 0; d < dim; d++) panel[d * NR + jj] = 0.0f;
        continue;
      }
      const f32* src = p->traw + (long)j * dim;
      f64 inv = p->inv_t[j];
      for (int d = 0; d < dim; d++) panel[d * NR + jj] = (f32)((f64)src[d] * inv);
    }
  }
}

/* The exact similarity of the float64 scan: sequential float64 sum, then * (1/|q| * 1/|t|). */
static f64 exact_sim(const KnnPlan* p, int q, int row) {
  const int dim = p->dim;
  const f32* a = p->qraw + (long)q * dim;
  const f32* b = p->traw + (long)row * dim;
  f64 s = 0;
  for (int d = 0; d < dim; d++) s += (f64)a[d] * (f64)b[d];
  return s * (p->inv_q[q] * p->inv_t[row]);
}

/* Four exact similarities against one query, as four independent sequential chains. */
static void exact_sim4(const KnnPlan* p, int q, const int* rows, f64* out) {
  const int dim = p->dim;
  const f32* a = p->qraw + (long)q * dim;
  const f32* b0 = p->traw + (long)rows[0] * dim;
  const f32* b1 = p->traw + (long)rows[1] * dim;
  const f32* b2 = p->traw + (long)rows[2] * dim;
  const f32* b3 = p->traw + (long)rows[3] * dim;
  f64 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int d = 0; d < dim; d++) {
    f64 x = (f64)a[d];
    s0 += x * (f64)b0[d];
    s1 += x * (f64)b1[d];
    s2 += x * (f64)b2[d];
    s3 += x * (f64)b3[d];
  }
  f64 iq = p->inv_q[q];
  out[0] = s0 * (iq * p->inv_t[rows[0]]);
  out[1] = s1 * (iq * p->inv_t[rows[1]]);
  out[2] = s2 * (iq * p->inv_t[rows[2]]);
  out[3] = s3 * (iq * p->inv_t[rows[3]]);
}

/*
 * (f32)exact_sim(p, q, row), fast: a SIMD float64 dot product (another
 * summation order), and exact_sim itself only where a float32 rounding
 * boundary lies within `margin` of it. Every order's sum is within
 * gamma_dim * sum|a_i b_i| of the real dot product (float64 products of
 * float32 values are exact), sum|a_i b_i| * (1/|q| * 1/|t|) <= 1 (Cauchy-
 * Schwarz), and rounding to float32 is monotonic: when v - margin and
 * v + margin round to the same float32, so does the sequential sum.
 */
static f32 class_sim(const KnnPlan* p, int b, int q, int row, f64 margin) {
  const int dim = p->dim;
  const f64* a = p->qwide + (long)b * dim;
  const f32* t = p->traw + (long)row * dim;
  v128_t s0 = wasm_f64x2_splat(0), s1 = s0, s2 = s0, s3 = s0;
  int d = 0;
  for (; d + 8 <= dim; d += 8) {
    s0 = wasm_f64x2_add(s0, wasm_f64x2_mul(wasm_v128_load(a + d), widen2(t + d)));
    s1 = wasm_f64x2_add(s1, wasm_f64x2_mul(wasm_v128_load(a + d + 2), widen2(t + d + 2)));
    s2 = wasm_f64x2_add(s2, wasm_f64x2_mul(wasm_v128_load(a + d + 4), widen2(t + d + 4)));
    s3 = wasm_f64x2_add(s3, wasm_f64x2_mul(wasm_v128_load(a + d + 6), widen2(t + d + 6)));
  }
  v128_t s4 = wasm_f64x2_add(wasm_f64x2_add(s0, s1), wasm_f64x2_add(s2, s3));
  f64 s = wasm_f64x2_extract_lane(s4, 0) + wasm_f64x2_extract_lane(s4, 1);
  for (; d < dim; d++) s += a[d] * (f64)t[d];
  f64 v = s * (p->inv_q[q] * p->inv_t[row]);
  f32 lo = (f32)(v - margin), hi = (f32)(v + margin);
  return lo == hi ? lo : (f32)exact_sim(p, q, row);
}

/* Exact similarities of n rows against query q. */
static void exact_sims(const KnnPlan* p, int q, const int* rows, int n, f64* out) {
  int i = 0;
  for (; i + 4 <= n; i += 4) exact_sim4(p, q, rows + i, out + i);
  for (; i < n; i++) out[i] = exact_sim(p, q, rows[i]);
}

/* The k-th largest of v[0..n) (1 <= k <= n), by quickselect on a copy in `scratch`. */
static f32 kth_largest(const f32* v, int n, int k, f32* scratch) {
  for (int i = 0; i < n; i++) scratch[i] = v[i];
  int lo = 0, hi = n - 1, want = k - 1;
  while (lo < hi) {
    f32 pivot = scratch[lo + ((hi - lo) >> 1)];
    int i = lo, j = hi;
    while (i <= j) {
      while (scratch[i] > pivot) i++;
      while (scratch[j] < pivot) j--;
      if (i <= j) {
        f32 tmp = scratch[i];
        scratch[i] = scratch[j];
        scratch[j] = tmp;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else break;
  }
  return scratch[want];
}

/*
 * Drops the candidates of query slot b that can no longer be among the k
 * nearest and raises its threshold. Returns 0 when too few slots are left
 * (more than 3/4 of cap within the window: many equal rows), 1 otherwise.
 */
static int compact(KnnPlan* p, int b) {
  f32* val = p->cand_val + (long)b * p->cap;
  int* pos = p->cand_pos + (long)b * p->cap;
  int n = p->cand_n[b];
  if (n < p->k) return 1;
  f32 thr = kth_largest(val, n, p->k, p->select) - p->eps2;
  int m = 0;
  for (int i = 0; i < n; i++) {
    if (val[i] >= thr) {
      val[m] = val[i];
      pos[m] = pos[i];
      m++;
    }
  }
  p->cand_n[b] = m;
  p->thr[b] = thr;
  return m <= p->cap - p->cap / 4;
}

/* Offers the similarities s[0..len) of query slot b to packed positions j0.. to its candidates. */
static void offer_row(KnnPlan* p, int b, const f32* s, int len, int j0, int* overflowed) {
  if (*overflowed) return;
  f32 thr = p->thr[b];
  v128_t vt = wasm_f32x4_splat(thr);
  int i = 0;
  for (; i + 4 <= len; i += 4) {
    v128_t v = wasm_v128_load(s + i);
    if (!wasm_v128_any_true(wasm_f32x4_ge(v, vt))) continue;
    for (int l = 0; l < 4; l++) {
      if (s[i + l] < thr) continue;
      int n = p->cand_n[b];
      p->cand_val[(long)b * p->cap + n] = s[i + l];
      p->cand_pos[(long)b * p->cap + n] = j0 + i + l;
      p->cand_n[b] = n + 1;
      if (n + 1 == p->cap) {
        if (!compact(p, b)) {
          *overflowed = 1;
          return;
        }
      }
      thr = p->thr[b];
    }
    vt = wasm_f32x4_splat(thr);
  }
  for (; i < len; i++) {
    if (s[i] < thr) continue;
    int n = p->cand_n[b];
    p->cand_val[(long)b * p->cap + n] = s[i];
    p->cand_pos[(long)b * p->cap + n] = j0 + i;
    p->cand_n[b] = n + 1;
    if (n + 1 == p->cap) {
      if (!compact(p, b)) {
        *overflowed = 1;
        return;
      }
    }
    thr = p->thr[b];
  }
}

/* Max of s[lo..hi) (hi > lo). */
static f32 seg_max(const f32* s, int lo, int hi) {
  f32 m = s[lo];
  int i = lo + 1;
  if (hi - i >= 8) {
    v128_t vm = wasm_f32x4_splat(m);
    for (; i + 4 <= hi; i += 4) vm = wasm_f32x4_pmax(vm, wasm_v128_load(s + i));
    f32 a = wasm_f32x4_extract_lane(vm, 0), b = wasm_f32x4_extract_lane(vm, 1);
    f32 c = wasm_f32x4_extract_lane(vm, 2), d = wasm_f32x4_extract_lane(vm, 3);
    a = a > b ? a : b;
    c = c > d ? c : d;
    m = a > c ? a : c;
  }
  for (; i < hi; i++) m = s[i] > m ? s[i] : m;
  return m;
}

/* How many of s[lo..hi) are >= x, counting up to 2. */
static int count_ge2(const f32* s, int lo, int hi, f32 x) {
  int n = 0, i = lo;
  v128_t vx = wasm_f32x4_splat(x);
  for (; i + 4 <= hi; i += 4) {
    int bits = wasm_i32x4_bitmask(wasm_f32x4_ge(wasm_v128_load(s + i), vx));
    n += __builtin_popcount(bits);
    if (n >= 2) return 2;
  }
  for (; i < hi; i++) n += s[i] >= x;
  return n >= 2 ? 2 : n;
}

/* First i in [lo, hi) with s[i] == x (one exists). */
static int first_eq(const f32* s, int lo, int hi, f32 x) {
  int i = lo;
  v128_t vx = wasm_f32x4_splat(x);
  for (; i + 4 <= hi; i += 4) {
    int bits = wasm_i32x4_bitmask(wasm_f32x4_eq(wasm_v128_load(s + i), vx));
    if (bits) return i + __builtin_ctz(bits);
  }
  for (; i < hi; i++) {
    if (s[i] == x) return i;
  }
  return hi - 1;
}

/* Folds the similarities of one chunk (packed positions j0..j0+len) into query slot b's class bests. */
static void note_classes(KnnPlan* p, int b, const f32* s, int len, int j0) {
  f32* best = p->best_val + (long)b * p->classes;
  int* where = p->best_pos + (long)b * p->classes;
  const f32 eps2 = p->eps2;
  int c = p->class_of[j0];
  int at = 0;
  while (at < len) {
    int end = p->class_start[c + 1] - j0;
    if (end > len) end = len;
    if (end <= at) {
      c++;
      continue;
    }
    f32 m = seg_max(s, at, end);
    f32 old = best[c];
    if (m > old) {
      int ambiguous = old >= m - eps2 || count_ge2(s, at, end, m - eps2) >= 2;
      int pos = j0 + first_eq(s, at, end, m);
      best[c] = m;
      where[c] = ambiguous ? -1 - pos : pos;
    } else if (m >= old - eps2 && where[c] >= 0) {
      where[c] = -1 - where[c];
    }
    at = end;
    c++;
  }
}

/* s[i][j] for MR queries (one panel) against the NR rows of one train panel, into strip rows. */
static inline void micro_kernel(const f32* qp, const f32* tp, int dim, f32* out, int ld) {
  Tile t = tile_products_packed(qp, tp, dim);
  for (int i = 0; i < MR; i++) {
    for (int v = 0; v < 2; v++) wasm_v128_store(out + i * ld + 4 * v, t.r[i][v]);
  }
}

/* Sorts (val desc, idx asc) in place; n is small (about k). */
static void sort_pairs(f64* val, int* idx, int n) {
  for (int i = 1; i < n; i++) {
    f64 v = val[i];
    int x = idx[i];
    int j = i;
    while (j > 0 && (val[j - 1] < v || (val[j - 1] == v && idx[j - 1] > x))) {
      val[j] = val[j - 1];
      idx[j] = idx[j - 1];
      j--;
    }
    val[j] = v;
    idx[j] = x;
  }
}

/* The k nearest of query q (slot b) from its candidates, rescored exactly. */
static void finish_neighbours(KnnPlan* p, int b, int q) {
  const int k = p->k;
  f32* val = p->cand_val + (long)b * p->cap;
  int* pos = p->cand_pos + (long)b * p->cap;
  int n = p->cand_n[b];
  f32 thr = kth_largest(val, n, k, p->select) - p->eps2;
  int m = 0;
  for (int i = 0; i < n; i++) {
    if (val[i] >= thr) p->resc_idx[m++] = pos[i];
  }
  exact_sims(p, q, p->resc_idx, m, p->resc_val);
  for (int i = 0; i < m; i++) p->resc_idx[i] = p->perm[p->resc_idx[i]];
  sort_pairs(p->resc_val, p->resc_idx, m);
  for (int i = 0; i < k; i++) {
    p->out_idx[(long)q * k + i] = p->resc_idx[i];
    p->out_sim[(long)q * k + i] = p->resc_val[i];
  }
}

/* The float32 similarities of normalised query slot b and the NR rows of packed panel pp, as the GEMM computes them. */
static void panel_sims(const KnnPlan* p, int b, int pp, f32* out) {
  const int dim = p->dim;
  const f32* a = p->qnorm + (long)b * dim;
  const f32* tp = p->tpack + (long)pp * dim * NR;
  v128_t c0 = wasm_f32x4_splat(0), c1 = c0;
  for (int d = 0; d < dim; d++) {
    v128_t x = wasm_v128_load32_splat(a + d);
    c0 = relaxed_madd(x, wasm_v128_load(tp), c0);
    c1 = relaxed_madd(x, wasm_v128_load(tp + 4), c1);
    tp += NR;
  }
  wasm_v128_store(out, c0);
  wasm_v128_store(out + 4, c1);
}

/* Class c's exact best for query q (slot b) when several of its rows were within the window: each rescored, in train order. */
static f32 ambiguous_best(KnnPlan* p, int b, int q, int c) {
  const f32 lo = p->best_val[(long)b * p->classes + c] - p->eps2;
  f32* sims = p->strip; /* free after the chunks */
  f64 top = -__builtin_inf();
  const int start = p->class_start[c], end = p->class_start[c + 1];
  for (int pp = start / NR; pp * NR < end; pp++) {
    panel_sims(p, b, pp, sims);
    for (int jj = 0; jj < NR; jj++) {
      int j = pp * NR + jj;
      if (j < start || j >= end || sims[jj] < lo) continue;
      f64 s = exact_sim(p, q, j);
      if (s > top) top = s;
    }
  }
  return (f32)top;
}

/*
 * Each class's exact best similarity for the block's queries, as float32:
 * class by class, so that the rows of one class stay in cache while every
 * query of the block rescores its best of them.
 */
static void finish_classes(KnnPlan* p, int b0, int b1) {
  const int classes = p->classes;
  /* Twice class_sim's bound (2 gamma_dim plus the final roundings), for slack. */
  const f64 margin = 2.0 * (2.0 * p->dim + 8.0) * 0x1p-53;
  for (int c = 0; c < classes; c++) {
    const int start = p->class_start[c], end = p->class_start[c + 1];
    for (int b = 0; b < b1 - b0; b++) {
      f32* out = p->out_class + (long)(b0 + b) * classes + c;
      const int where = p->best_pos[(long)b * classes + c];
      if (start == end) {
        *out = -__builtin_inff();
      } else if (where >= 0) {
        *out = class_sim(p, b, b0 + b, where, margin);
      } else {
        *out = ambiguous_best(p, b, b0 + b, c);
      }
    }
  }
}

/*
 * The search of one block of queries [b0, b1) of qraw, in three exported
 * steps so that the caller makes many short calls: V8 first runs a wasm
 * function in its baseline tier and swaps in optimised code only for later
 * calls, so one long call would run unoptimised from start to end.
 */

/* Packs the block's queries (panels of MR, padding rows 0, and rows for the ambiguity scans); resets its state. */
EXPORT(knn_block_begin)
void knn_block_begin(KnnPlan* p, int b0, int b1) {
  const int dim = p->dim, nb = b1 - b0, qpanels = (nb + MR - 1) / MR;
  for (int qp = 0; qp < qpanels; qp++) {
    f32* panel = p->qpack + (long)qp * dim * MR;
    for (int ii = 0; ii < MR; ii++) {
      int b = qp * MR + ii;
      if (b >= nb) {
        for (int d = 0; d < dim; d++) panel[d * MR + ii] = 0.0f;
        continue;
      }
      const f32* src = p->qraw + (long)(b0 + b) * dim;
      f64 inv = p->inv_q[b0 + b];
      for (int d = 0; d < dim; d++) {
        f32 v = (f32)((f64)src[d] * inv);
        panel[d * MR + ii] = v;
        p->qnorm[(long)b * dim + d] = v;
        p->qwide[(long)b * dim + d] = (f64)src[d];
      }
    }
  }
  for (int b = 0; b < nb; b++) {
    p->cand_n[b] = 0;
    p->thr[b] = -__builtin_inff();
    p->overflow[b0 + b] = 0;
    for (int c = 0; c < p->classes; c++) {
      p->best_val[(long)b * p->classes + c] = -__builtin_inff();
      p->best_pos[(long)b * p->classes + c] = 0;
    }
  }
}

/* The block against the packed train rows [j0, j0 + tc): similarities, candidates, class bests. */
EXPORT(knn_block_chunk)
void knn_block_chunk(KnnPlan* p, int b0, int b1, int j0) {
  const int dim = p->dim, tc = p->tc, nb = b1 - b0, qpanels = (nb + MR - 1) / MR;
  int len = p->t - j0 < tc ? p->t - j0 : tc;
  int panels = (len + NR - 1) / NR;
  const f32* tchunk = p->tpack + (long)(j0 / NR) * dim * NR;
  for (int qp = 0; qp < qpanels; qp++) {
    const f32* qpanel = p->qpack + (long)qp * dim * MR;
    for (int pp = 0; pp < panels; pp++) {
      micro_kernel(qpanel, tchunk + (long)pp * dim * NR, dim, p->strip + pp * NR, tc);
    }
    for (int ii = 0; ii < MR; ii++) {
      int b = qp * MR + ii;
      if (b >= nb) break;
      const f32* s = p->strip + ii * tc;
      offer_row(p, b, s, len, j0, &p->overflow[b0 + b]);
      if (p->classes > 0) note_classes(p, b, s, len, j0);
    }
  }
}

/* Rescoring: out_idx, out_sim (k per query), out_class (classes per query) for the block. */
EXPORT(knn_block_end)
void knn_block_end(KnnPlan* p, int b0, int b1) {
  for (int b = 0; b < b1 - b0; b++) {
    if (!p->overflow[b0 + b]) finish_neighbours(p, b, b0 + b);
  }
  finish_classes(p, b0, b1);
}
