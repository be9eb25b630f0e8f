import { describe, expect, it } from 'vitest';
import { maxAbsDifference, pointScores, scoreAgainst, ssim } from './metrics.ts';

const N = Number.NaN;

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** Direct SSIM: every window summed explicitly, same rules as the fast version. */
function bruteSsim(x: Float32Array, y: Float32Array, w: number, h: number): number {
  const g: number[] = [];
  for (let i = -5; i <= 5; i++) g.push(Math.exp(-(i * i) / 4.5));
  const gs = g.reduce((a, b) => a + b, 0);
  let tmin = Infinity;
  let tmax = -Infinity;
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(x[i]) && !Number.isNaN(y[i])) { tmin = Math.min(tmin, y[i]); tmax = Math.max(tmax, y[i]); } // prettier-ignore
  const L = tmax - tmin;
  const c1 = (0.01 * L) ** 2;
  const c2 = (0.03 * L) ** 2;
  let tot = 0;
  let cnt = 0;
  for (let r = 5; r < h - 5; r++) {
    for (let c = 5; c < w - 5; c++) {
      if (Number.isNaN(x[r * w + c]) || Number.isNaN(y[r * w + c])) continue;
      let sw = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0; // prettier-ignore
      for (let dr = -5; dr <= 5; dr++) {
        for (let dc = -5; dc <= 5; dc++) {
          const i = (r + dr) * w + c + dc;
          if (Number.isNaN(x[i]) || Number.isNaN(y[i])) continue;
          const wt = (g[dr + 5] * g[dc + 5]) / (gs * gs);
          sw += wt;
          sx += wt * x[i];
          sy += wt * y[i];
          sxx += wt * x[i] * x[i];
          syy += wt * y[i] * y[i];
          sxy += wt * x[i] * y[i]; // prettier-ignore
        }
      }
      if (sw < 0.5) continue;
      const mx = sx / sw;
      const my = sy / sw;
      const vx = sxx / sw - mx * mx;
      const vy = syy / sw - my * my;
      const cv = sxy / sw - mx * my;
      tot += ((2 * mx * my + c1) * (2 * cv + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      cnt++;
    }
  }
  return tot / cnt;
}

describe('point scores', () => {
  it('computes RMSE, MAE, bias, R2 and r by hand on four pixels', () => {
    const truth = Float32Array.of(1, 2, 3, 4, N);
    const pred = Float32Array.of(2, 2, 3, 5, 7);
    const s = pointScores(pred, truth);
    // errors 1, 0, 0, 1 -> SSres 2, SStot 5 (truth mean 2.5)
    expect(s.n).toBe(4);
    expect(s.rmse).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(s.mae).toBe(0.5);
    expect(s.bias).toBe(0.5);
    expect(s.r2).toBeCloseTo(1 - 2 / 5, 12);
    // pred deviations -1, -1, 0, 2 (mean 3); truth -1.5, -0.5, 0.5, 1.5: cov 5, var 6 and 5
    expect(s.r).toBeCloseTo(5 / Math.sqrt(6 * 5), 12);
  });

  it('returns NaN scores and n = 0 when no pixel is valid in both', () => {
    const s = scoreAgainst(Float32Array.of(N, 1), Float32Array.of(1, N), 2, 1);
    expect(s.n).toBe(0);
    expect(s.rmse).toBeNaN();
    expect(s.ssim).toBeNaN();
  });
});

describe('ssim', () => {
  const w = 24;
  const h = 20;
  const rnd = lcg(7);
  const truth = Float32Array.from({ length: w * h }, (_, i) => 290 + 10 * Math.sin(i / 7) + 3 * rnd());

  it('is 1 for identical images', () => {
    expect(ssim(truth, truth, w, h)).toBeCloseTo(1, 10);
  });

  it('drops for noise and agrees with a direct window-by-window computation', () => {
    const noisy = truth.map((v) => v + 20 * (rnd() - 0.5));
    noisy[5 * w + 9] = N;
    noisy[12 * w + 12] = N;
    const fast = ssim(noisy, truth, w, h);
    expect(fast).toBeLessThan(0.9);
    expect(fast).toBeGreaterThan(0);
    expect(fast).toBeCloseTo(bruteSsim(noisy, truth, w, h), 8);
  });

  it('works on images smaller than the window', () => {
    const small = Float32Array.of(1, 2, 3, 4, 5, 6);
    expect(ssim(small, small, 3, 2)).toBeCloseTo(1, 10);
  });

  it('reports ssim from scoreAgainst when given the shape', () => {
    expect(scoreAgainst(truth, truth, w).ssim).toBeCloseTo(1, 10);
    expect(scoreAgainst(truth, truth).ssim).toBeNaN();
  });
});

describe('maxAbsDifference', () => {
  it('is the largest difference over valid pixels and Infinity when the NaN patterns differ', () => {
    expect(maxAbsDifference(new Float32Array([1, NaN, 3]), new Float32Array([1.5, NaN, 2]))).toBe(1);
    expect(maxAbsDifference(new Float32Array([1, NaN]), new Float32Array([1, 2]))).toBe(Infinity);
  });
});
