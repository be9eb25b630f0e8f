import { describe, expect, it } from 'vitest';
import { layerStats } from '../src/worker/display.ts';

describe('hot spots found by the benchmark', () => {
  it('layerStats on more values than it sorts still gives the exact min/max/mean and percentiles within one histogram bin', () => {
    const n = 3_000_000;
    const data = new Float32Array(n);
    // A skewed, shuffled distribution with gaps: percentiles of a strided sample must still hold.
    for (let i = 0; i < n; i++) {
      const u = ((i * 2654435761) >>> 0) / 2 ** 32;
      data[i] = i % 7 === 0 ? Number.NaN : 280 + 40 * u * u;
    }
    const s = layerStats(data);
    const valid = Float32Array.from(data.filter((v) => !Number.isNaN(v))).sort();
    const exact = (p: number) => valid[Math.round(p * (valid.length - 1))];
    expect(s.min).toBe(valid[0]);
    expect(s.max).toBe(valid[valid.length - 1]);
    expect(s.validFraction).toBeCloseTo(valid.length / n, 12);
    expect(s.mean).toBeCloseTo(valid.reduce((a, b) => a + b, 0) / valid.length, 3);
    const bin = (s.max - s.min) / 64;
    expect(Math.abs(s.p2 - exact(0.02))).toBeLessThan(bin);
    expect(Math.abs(s.p98 - exact(0.98))).toBeLessThan(bin);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(valid.length);
  });
});
