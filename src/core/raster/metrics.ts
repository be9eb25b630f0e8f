import { AppError } from '../errors.ts';

/** Agreement of a prediction with a truth over the pixels valid in both. */
export interface Scores {
  /** Pixels valid (non-NaN) in both. */
  n: number;
  /** Root mean square error, units of the data (K for LST). */
  rmse: number;
  /** Mean absolute error. */
  mae: number;
  /** Mean of (pred - truth). */
  bias: number;
  /** Coefficient of determination 1 - SSres/SStot (SStot about the truth's mean); can be < 0. */
  r2: number;
  /** Pearson correlation. */
  r: number;
  /** Mean SSIM (see `ssim`); NaN when no window qualifies or no dimensions were given. */
  ssim: number;
}

function checkLengths(pred: Float32Array, truth: Float32Array): void {
  if (pred.length !== truth.length) {
    throw new AppError(
      'GRID_MISMATCH',
      `Cannot score ${pred.length} predicted pixels against ${truth.length} truth pixels.`,
    );
  }
}

/** RMSE, MAE, bias, R^2 and Pearson r over pixels valid in both arrays (all NaN when n = 0). */
export function pointScores(pred: Float32Array, truth: Float32Array): Omit<Scores, 'ssim'> {
  checkLengths(pred, truth);
  let n = 0;
  let sp = 0;
  let st = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i];
    const t = truth[i];
    if (p !== p || t !== t) continue;
    n++;
    sp += p;
    st += t;
  }
  if (n === 0)
    return { n: 0, rmse: Number.NaN, mae: Number.NaN, bias: Number.NaN, r2: Number.NaN, r: Number.NaN };
  const mp = sp / n;
  const mt = st / n;
  let se = 0;
  let ae = 0;
  let stt = 0;
  let spp = 0;
  let spt = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i];
    const t = truth[i];
    if (p !== p || t !== t) continue;
    const e = p - t;
    se += e * e;
    ae += Math.abs(e);
    stt += (t - mt) * (t - mt);
    spp += (p - mp) * (p - mp);
    spt += (p - mp) * (t - mt);
  }
  return {
    n,
    rmse: Math.sqrt(se / n),
    mae: ae / n,
    bias: mp - mt,
    r2: stt > 0 ? 1 - se / stt : Number.NaN,
    r: stt > 0 && spp > 0 ? spt / Math.sqrt(stt * spp) : Number.NaN,
  };
}

const SSIM_RADIUS = 5;
const SSIM_SIGMA = 1.5;

/** Options of `ssim`. */
export interface SsimOptions {
  /** L in C1 = (0.01 L)^2, C2 = (0.03 L)^2. Default: max - min of the valid truth. */
  dataRange?: number;
  /**
   * A window counts only when the valid pixels under it carry at least this share of the Gaussian
   * weight (default 0.5).
   */
  minValidWeight?: number;
}

/**
 * Mean structural similarity (Wang et al. 2004) of `pred` against `truth`, both row-major
 * `width`x`height`: 11x11 Gaussian window (sigma 1.5), population (co)variances, constants from the
 * truth's data range. NaN-aware: window statistics are weighted over the pixels valid in both;
 * the mean runs over valid centre pixels whose window lies inside the image (a 5-pixel border is
 * skipped, as scikit-image does, unless the image is smaller than 11 px) and has enough valid
 * weight. Identical images score 1. NaN when no window qualifies.
 */
export function ssim(
  pred: Float32Array,
  truth: Float32Array,
  width: number,
  height: number,
  options: SsimOptions = {},
): number {
  checkLengths(pred, truth);
  if (pred.length !== width * height) {
    throw new AppError('BAD_ARGUMENT', `ssim: ${pred.length} pixels is not ${width}x${height}.`);
  }
  const R = SSIM_RADIUS;
  const K = 2 * R + 1;
  const g = new Float64Array(K);
  let gs = 0;
  for (let i = -R; i <= R; i++) gs += g[i + R] = Math.exp(-(i * i) / (2 * SSIM_SIGMA * SSIM_SIGMA));
  for (let i = 0; i < K; i++) g[i] /= gs;

  let tMin = Infinity;
  let tMax = -Infinity;
  let tSum = 0;
  let tN = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (t !== t || pred[i] !== pred[i]) continue;
    if (t < tMin) tMin = t;
    if (t > tMax) tMax = t;
    tSum += t;
    tN++;
  }
  if (tN === 0) return Number.NaN;
  const L = options.dataRange ?? tMax - tMin;
  const c1 = (0.01 * L) ** 2;
  const c2 = (0.03 * L) ** 2;
  const minW = options.minValidWeight ?? 0.5;
  // Centring on the truth mean keeps E[x^2] - E[x]^2 well conditioned for values near 300 K.
  const off = tSum / tN;
  const border = width >= K && height >= K ? R : 0;

  // Horizontal Gaussian sums of the 6 moments for each row, kept in a ring of K rows.
  const ring = Array.from({ length: 6 }, () => new Float64Array(K * width));
  const rowDone = new Int32Array(K).fill(-1);
  const horizontal = (r: number): void => {
    const slot = (r % K) * width;
    const [sw, sx, sy, sxx, syy, sxy] = ring;
    for (let c = 0; c < width; c++) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0; // prettier-ignore
      const lo = Math.max(0, c - R);
      const hi = Math.min(width - 1, c + R);
      for (let j = lo; j <= hi; j++) {
        const i = r * width + j;
        const x = pred[i];
        const y = truth[i];
        if (x !== x || y !== y) continue;
        const w = g[j - c + R];
        const xc = x - off;
        const yc = y - off;
        a0 += w;
        a1 += w * xc;
        a2 += w * yc;
        a3 += w * xc * xc;
        a4 += w * yc * yc;
        a5 += w * xc * yc;
      }
      sw[slot + c] = a0;
      sx[slot + c] = a1;
      sy[slot + c] = a2;
      sxx[slot + c] = a3;
      syy[slot + c] = a4;
      sxy[slot + c] = a5;
    }
    rowDone[r % K] = r;
  };

  const gc = new Float64Array(width); // Gaussian weight of each column's window inside the image
  for (let c = 0; c < width; c++) {
    for (let j = Math.max(0, c - R); j <= Math.min(width - 1, c + R); j++) gc[c] += g[j - c + R];
  }
  const v = Array.from({ length: 6 }, () => new Float64Array(width));
  let total = 0;
  let count = 0;
  for (let r = border; r < height - border; r++) {
    const lo = Math.max(0, r - R);
    const hi = Math.min(height - 1, r + R);
    for (let rr = lo; rr <= hi; rr++) if (rowDone[rr % K] !== rr) horizontal(rr);
    for (const a of v) a.fill(0);
    let gRows = 0;
    for (let rr = lo; rr <= hi; rr++) {
      const gr = g[rr - r + R];
      gRows += gr;
      const slot = (rr % K) * width;
      for (let m = 0; m < 6; m++) {
        const src = ring[m];
        const dst = v[m];
        for (let c = border; c < width - border; c++) dst[c] += gr * src[slot + c];
      }
    }
    const [vw, vx, vy, vxx, vyy, vxy] = v;
    for (let c = border; c < width - border; c++) {
      const ci = r * width + c;
      if (pred[ci] !== pred[ci] || truth[ci] !== truth[ci]) continue;
      const w = vw[c];
      if (w < minW * gRows * gc[c] || w <= 0) continue;
      const mx = vx[c] / w;
      const my = vy[c] / w;
      const varX = Math.max(0, vxx[c] / w - mx * mx);
      const varY = Math.max(0, vyy[c] / w - my * my);
      const cxy = vxy[c] / w - mx * my;
      // Means are offset by `off`; luminance needs the real means.
      const ux = mx + off;
      const uy = my + off;
      total += ((2 * ux * uy + c1) * (2 * cxy + c2)) / ((ux * ux + uy * uy + c1) * (varX + varY + c2));
      count++;
    }
  }
  return count > 0 ? total / count : Number.NaN;
}

/**
 * Every score of `pred` against `truth` (same length, pixels valid in both). SSIM needs the image
 * shape: pass `width`/`height` (height defaults to length / width); without `width` it is NaN.
 */
export function scoreAgainst(
  pred: Float32Array,
  truth: Float32Array,
  width?: number,
  height?: number,
): Scores {
  const point = pointScores(pred, truth);
  const s =
    width !== undefined && point.n > 0
      ? ssim(pred, truth, width, height ?? Math.round(pred.length / width))
      : Number.NaN;
  return { ...point, ssim: s };
}

/**
 * Largest |a - b| over pixels valid in both; `Infinity` when the NaN (invalid) patterns differ,
 * so a comparison of two results also checks that they agree on where data is missing.
 */
export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    if (!Number.isNaN(a[i])) m = Math.max(m, Math.abs(a[i] - b[i]));
  }
  return m;
}
