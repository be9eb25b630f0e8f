import { describe, expect, it } from 'vitest';
import { bandStats, histogram, percentiles } from './stats.ts';

const N = Number.NaN;

describe('band statistics', () => {
  it('summarises valid values only', () => {
    const s = bandStats(Float32Array.of(1, N, 3, 5, N));
    expect(s).toEqual({ count: 3, min: 1, max: 5, mean: 3, std: Math.sqrt(8 / 3) });
    expect(bandStats(Float32Array.of(N)).count).toBe(0);
  });

  it('interpolates percentiles like numpy', () => {
    const d = Float32Array.of(4, 1, N, 3, 2);
    expect(percentiles(d, [0, 50, 100, 25])).toEqual([1, 2.5, 4, 1.75]);
    expect(percentiles(Float32Array.of(N), [50])[0]).toBeNaN();
  });

  it('stays close to exact percentiles when subsampling a large band', () => {
    const d = Float32Array.from({ length: 100001 }, (_, i) => (i * 7919) % 100001);
    const [p2, p98] = percentiles(d, [2, 98], 10000);
    expect(Math.abs(p2 - 2000)).toBeLessThan(200);
    expect(Math.abs(p98 - 98000)).toBeLessThan(200);
  });

  it('bins values with the last bin closed and counts those outside a given range', () => {
    const h = histogram(Float32Array.of(0, 0.5, 1, 1.5, 2, N), 2);
    expect(Array.from(h.edges)).toEqual([0, 1, 2]);
    expect(Array.from(h.counts)).toEqual([2, 3]);
    const r = histogram(Float32Array.of(-1, 0, 5), 1, { min: 0, max: 1 });
    expect(Array.from(r.counts)).toEqual([1]);
    expect(r.outside).toBe(2);
  });
});
