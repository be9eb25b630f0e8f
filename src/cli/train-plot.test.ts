import { describe, expect, it } from 'vitest';
import { plotLogY } from './train-plot.ts';

describe('plotLogY', () => {
  it('plots a long run (three series of 60,000 steps) instead of overflowing the call stack', () => {
    const n = 60_000;
    const x = Array.from({ length: n }, (_, i) => i + 1);
    const series = [0, 1, 2].map((k) => ({ x, y: x.map((s) => (k + 1) * (0.5 + 1 / Math.sqrt(s))), color: [200 * (k === 0 ? 1 : 0), 100, 50 * k] as [number, number, number] }));
    const img = plotLogY(series, 360, 180);
    expect(img).toHaveLength(360 * 180 * 3);
    let drawn = 0;
    for (let i = 0; i < img.length; i += 3) if (img[i] !== img[i + 1] || img[i + 1] !== img[i + 2]) drawn++;
    expect(drawn).toBeGreaterThan(300);
  });
});
