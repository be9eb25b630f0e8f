import { describe, expect, it } from 'vitest';
import { maskedBoxMean } from './focal.ts';

const N = Number.NaN;

/** The window mean over valid pixels, summed directly. */
function direct(v: Float32Array, w: number, h: number, k: number): number[] {
  const r = (k - 1) >> 1;
  const out: number[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      let n = 0;
      for (let yy = Math.max(0, y - r); yy <= Math.min(h - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(w - 1, x + r); xx++) {
          const a = v[yy * w + xx];
          if (a === a) {
            s += a;
            n++;
          }
        }
      }
      out.push(n ? s / n : N);
    }
  }
  return out;
}

describe('maskedBoxMean', () => {
  it('averages the valid pixels of each window (hand-worked 3x2, k = 3)', () => {
    const v = Float32Array.of(1, N, 3, 4, 5, N);
    // Windows clipped at the edges; NaN pixels left out of both sum and count.
    expect(Array.from(maskedBoxMean(v, 3, 2, 3))).toEqual([10 / 3, 13 / 4, 4, 10 / 3, 13 / 4, 4].map(Math.fround));
  });

  it('is NaN where a window holds no valid pixel and agrees with direct sums elsewhere', () => {
    const w = 23;
    const h = 17;
    // A 7x6 hole in the corner (its inner windows see no valid pixel) and scattered gaps.
    const v = Float32Array.from({ length: w * h }, (_, i) => (i % 7 === 3 || (i % w < 7 && i < 6 * w) ? N : 280 + ((i * 37) % 101) / 7));
    const got = maskedBoxMean(v, w, h, 5);
    const want = direct(v, w, h, 5);
    expect(want.some((x) => Number.isNaN(x))).toBe(true);
    for (let i = 0; i < want.length; i++) {
      if (Number.isNaN(want[i])) expect(got[i]).toBeNaN();
      else expect(got[i]).toBeCloseTo(want[i], 3);
    }
  });
});
