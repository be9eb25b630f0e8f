import { describe, expect, it } from 'vitest';
import { fbmField, upsampleSpline } from './noise.ts';
import { boxBlur, distanceToMask, quantile } from './grid-ops.ts';

describe('fbmField', () => {
  it('is normalised to mean 0 and standard deviation 1', () => {
    for (const ridged of [false, true]) {
      const f = fbmField(97, 64, { seed: 3, largestCellPx: 32, ridged });
      let s = 0;
      let s2 = 0;
      for (const v of f) {
        s += v;
        s2 += v * v;
      }
      expect(s / f.length).toBeCloseTo(0, 4);
      expect(Math.sqrt(s2 / f.length)).toBeCloseTo(1, 3);
    }
  });

  it('is smooth at the scale of its finest octave and rough below a coarse one', () => {
    const smooth = fbmField(128, 128, { seed: 1, largestCellPx: 64, smallestCellPx: 16, persistence: 0.9 });
    const rough = fbmField(128, 128, { seed: 1, largestCellPx: 64, smallestCellPx: 2, persistence: 0.9 });
    const meanAbsStep = (f: Float32Array): number => {
      let s = 0;
      for (let y = 0; y < 128; y++)
        for (let x = 1; x < 128; x++) s += Math.abs(f[y * 128 + x] - f[y * 128 + x - 1]);
      return s / (128 * 127);
    };
    expect(meanAbsStep(smooth)).toBeLessThan(0.15);
    expect(meanAbsStep(rough)).toBeGreaterThan(2 * meanAbsStep(smooth));
  });

  it('gives the same field for the same seed and a different one for another seed', () => {
    const a = fbmField(50, 40, { seed: 9, largestCellPx: 20 });
    expect(fbmField(50, 40, { seed: 9, largestCellPx: 20 })).toEqual(a);
    expect(fbmField(50, 40, { seed: 10, largestCellPx: 20 })).not.toEqual(a);
  });
});

describe('raster helpers', () => {
  it('box-blurs with windows clipped at the edges (hand-worked 1x4 and 3x3)', () => {
    const row = boxBlur(new Float32Array([0, 3, 6, 9]), 4, 1, 1);
    expect(Array.from(row)).toEqual([1.5, 3, 6, 7.5]);
    const img = boxBlur(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 3, 3, 1);
    expect(img[4]).toBeCloseTo(5, 6);
    expect(img[0]).toBeCloseTo((1 + 2 + 4 + 5) / 4, 6);
  });

  it('measures distance to a mask in pixels (exact on axes, chamfer on diagonals)', () => {
    const m = new Uint8Array(25);
    m[12] = 1;
    const d = distanceToMask(m, 5, 5);
    expect(d[12]).toBe(0);
    expect(d[13]).toBe(1);
    expect(d[14]).toBe(2);
    expect(d[0]).toBeCloseTo(2 * Math.SQRT2, 5);
  });

  it('finds quantiles of 0..999 within the histogram resolution and skips NaN', () => {
    const a = new Float32Array(1001);
    for (let i = 0; i < 1000; i++) a[i] = i;
    a[1000] = Number.NaN;
    expect(Math.abs(quantile(a, 0.5) - 499.5)).toBeLessThanOrEqual(1);
    expect(Math.abs(quantile(a, 0.9) - 899)).toBeLessThanOrEqual(1);
    expect(Number.isNaN(quantile(new Float32Array([Number.NaN]), 0.5))).toBe(true);
  });

  it('upsamples a constant to the same constant', () => {
    const up = upsampleSpline(new Float32Array(16).fill(3), 4, 4, 4, 16, 16);
    for (const v of up) expect(v).toBeCloseTo(3, 5);
  });
});
