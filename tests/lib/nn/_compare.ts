/** Deterministic pseudo-random values in [-1, 1) (an LCG: tests need no seeded RNG state). */
export function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Max |got - want| over max |want|, per array. */
export function relativeErrors(
  got: ArrayLike<number>[],
  want: ArrayLike<number>[],
): number[] {
  if (got.length !== want.length) {
    throw new Error(`Got ${got.length} arrays, want ${want.length}`);
  }
  return want.map((w, i) => {
    const g = got[i];
    if (g.length !== w.length) {
      throw new Error(`Array ${i}: length ${g.length}, want ${w.length}`);
    }
    let scale = 1e-6, err = 0;
    for (let j = 0; j < w.length; j++) scale = Math.max(scale, Math.abs(w[j]));
    for (let j = 0; j < w.length; j++) {
      err = Math.max(err, Math.abs(g[j] - w[j]));
    }
    return err / scale;
  });
}

/** Throws when any array's relative error reaches `tolerance`. */
export function assertClose(
  got: ArrayLike<number>[],
  want: ArrayLike<number>[],
  tolerance: number,
  label: string,
) {
  const errors = relativeErrors(got, want);
  const bad = errors.findIndex((e) => !(e < tolerance));
  if (bad >= 0) {
    throw new Error(
      `${label}: array ${bad} has relative error ${
        errors[bad]
      } (tolerance ${tolerance})`,
    );
  }
}
