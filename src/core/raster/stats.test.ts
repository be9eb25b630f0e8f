import { describe, expect, it } from 'vitest';
import { bandStats, histogram, orderStatistics, percentiles } from './stats.ts';

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

describe('orderStatistics', () => {
  it('gives the values a full sort holds at the ranks, in the order asked, on ties, runs and random data', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const cases: Float32Array[] = [
      Float32Array.of(5),
      Float32Array.of(3, 1, 2),
      new Float32Array(1000).map(() => Math.round(rand() * 5)),
      new Float32Array(5000).map((_, i) => i),
      new Float32Array(5000).map((_, i) => 5000 - i),
      new Float32Array(20000).map(() => rand() * 100 - 50),
      new Float32Array(3000).fill(2),
      new Float32Array(4097).map((_, i) => (i % 2 ? -Infinity : i % 3 ? Infinity : i)),
    ];
    for (const values of cases) {
      const sorted = values.slice().sort();
      const n = values.length;
      const ranks = [n - 1, 0, Math.floor(n * 0.98), Math.floor(n * 0.02), n >> 1, Math.floor(n * 0.98)];
      expect(orderStatistics(values.slice(), ranks)).toEqual(ranks.map((r) => sorted[r]));
    }
    expect(() => orderStatistics(Float32Array.of(1, 2), [2])).toThrow(RangeError);
  });
});
