/** log(1 + e^x), in double; x itself past 20, where the two agree in float32. */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/** Table of softplus and its derivative (the logistic) on [TABLE_LO, TABLE_HI] in steps of 1/TABLE_STEPS. */
const TABLE_LO = -16;
const TABLE_HI = 16;
const TABLE_STEPS = 256;
const TABLE_N = (TABLE_HI - TABLE_LO) * TABLE_STEPS;
/**
 * Per table step, the cubic Hermite interpolant of softplus in powers of t (0..1 across the step):
 * c0 + t (c1 + t (c2 + t c3)), from softplus and its slope (the logistic, per step) at both ends.
 */
const COEFS = new Float64Array(4 * TABLE_N);
for (let i = 0; i < TABLE_N; i++) {
  const x0 = TABLE_LO + i / TABLE_STEPS;
  const x1 = TABLE_LO + (i + 1) / TABLE_STEPS;
  const f0 = softplus(x0);
  const f1 = softplus(x1);
  const d0 = 1 / (1 + Math.exp(-x0)) / TABLE_STEPS;
  const d1 = 1 / (1 + Math.exp(-x1)) / TABLE_STEPS;
  COEFS[4 * i] = f0;
  COEFS[4 * i + 1] = d0;
  COEFS[4 * i + 2] = 3 * (f1 - f0) - 2 * d0 - d1;
  COEFS[4 * i + 3] = 2 * (f0 - f1) + d0 + d1;
}

/**
 * The uncertainty head's standard deviation for a raw output `x`, rounded to float32 as a sigma
 * array stores it: `fround(scale * (softplus(x) + floor))`, bit for bit. `scale` > 0.
 *
 * softplus costs an exp and a log1p per pixel (~50 ns in V8). Here it is first interpolated (cubic
 * Hermite on a table of softplus and the logistic, steps of 1/256: error below 1e-13, since the
 * logistic's third derivative is at most 1/8); when every value within a bound of that error rounds
 * to the same float32, that float32 is the answer. Otherwise (a float32 rounding boundary within
 * ~1e-11 K: rare) and outside the table, the exact expression decides.
 */
export function sigmaFromRaw(x: number, scale: number, floor: number): number {
  const p = (x - TABLE_LO) * TABLE_STEPS;
  // Also false for NaN.
  if (p >= 0 && p < TABLE_N) {
    // 0 <= p < TABLE_N: truncation is the floor.
    const i = p | 0;
    const t = p - i;
    const c = 4 * i;
    const sp = COEFS[c] + t * (COEFS[c + 1] + t * (COEFS[c + 2] + t * COEFS[c + 3]));
    const v = scale * (sp + floor);
    // Interpolation error (< 1e-13 in softplus, times scale) plus double rounding of both paths, with margin.
    const e = scale * 1e-12 + Math.abs(v) * 1e-14;
    const lo = Math.fround(v - e);
    if (lo === Math.fround(v + e)) return lo;
  }
  return Math.fround(scale * (softplus(x) + floor));
}
