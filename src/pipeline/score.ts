import { gaussianBlur } from '../core/raster/aggregate.ts';

/** Agreement of a field with a reference, over pixels valid in both. Temperatures in K. */
export interface Scores {
  rmseK: number;
  maeK: number;
  /** mean(prediction - reference), K. */
  biasK: number;
  /** Coefficient of determination 1 - SSE/SST (can be negative). */
  r2: number;
  /** Pearson correlation. */
  r: number;
  /** Mean SSIM, Gaussian window sigma 1.5 px, on values minus the reference minimum, data range = reference max - min. */
  ssim: number;
  /** Number of pixels compared. */
  n: number;
}

/** Scores `pred` against `ref` (same length, row-major `width` wide). NaN in either is skipped. */
export function scoreFields(pred: Float32Array, ref: Float32Array, width: number, height: number): Scores {
  let n = 0;
  let se = 0;
  let ae = 0;
  let sd = 0;
  let sp = 0;
  let sr = 0;
  let spp = 0;
  let srr = 0;
  let spr = 0;
  let lo = Infinity;
  let hi = -Infinity;
  const x = new Float32Array(pred.length).fill(Number.NaN);
  const y = new Float32Array(pred.length).fill(Number.NaN);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i];
    const t = ref[i];
    if (p !== p || t !== t) continue;
    x[i] = p;
    y[i] = t;
    const d = p - t;
    n++;
    se += d * d;
    ae += Math.abs(d);
    sd += d;
    sp += p;
    sr += t;
    spp += p * p;
    srr += t * t;
    spr += p * t;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (n === 0) return { rmseK: NaN, maeK: NaN, biasK: NaN, r2: NaN, r: NaN, ssim: NaN, n: 0 };
  const vp = spp - (sp * sp) / n;
  const vr = srr - (sr * sr) / n;
  const cov = spr - (sp * sr) / n;
  return {
    rmseK: Math.sqrt(se / n),
    maeK: ae / n,
    biasK: sd / n,
    r2: vr > 0 ? 1 - se / vr : NaN,
    r: vp > 0 && vr > 0 ? cov / Math.sqrt(vp * vr) : NaN,
    ssim: ssim(x, y, width, height, lo, hi - lo),
    n,
  };
}

function ssim(x: Float32Array, y: Float32Array, width: number, height: number, lo: number, range: number): number {
  const L = range > 0 ? range : 1;
  const c1 = (0.01 * L) ** 2;
  const c2 = (0.03 * L) ** 2;
  const sigma = 1.5;
  // On reference-min-shifted values (SSIM of min-max normalised fields, as usual for LST); this also
  // keeps the second moments within float32 precision.
  const xc = x.map((v) => v - lo);
  const yc = y.map((v) => v - lo);
  const mx = gaussianBlur(xc, width, height, sigma);
  const my = gaussianBlur(yc, width, height, sigma);
  const xx = gaussianBlur(xc.map((v) => v * v), width, height, sigma);
  const yy = gaussianBlur(yc.map((v) => v * v), width, height, sigma);
  const xy = gaussianBlur(xc.map((v, i) => v * yc[i]), width, height, sigma);
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    if (xc[i] !== xc[i]) continue;
    const vx = xx[i] - mx[i] * mx[i];
    const vy = yy[i] - my[i] * my[i];
    const cxy = xy[i] - mx[i] * my[i];
    s += ((2 * mx[i] * my[i] + c1) * (2 * cxy + c2)) / ((mx[i] ** 2 + my[i] ** 2 + c1) * (vx + vy + c2));
    n++;
  }
  return n ? s / n : NaN;
}
