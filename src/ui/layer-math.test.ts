import { describe, expect, it } from 'vitest';
import { formatTemp, sampleDisplay, sharedRanges } from './layer-math.ts';
import { lngLatToMercator } from '../core/geo/mercator.ts';

const stats = (p2: number, p98: number) => ({
  min: p2,
  max: p98,
  mean: 0,
  std: 0,
  p2,
  p98,
  validFraction: 1,
  histogram: { min: 0, max: 1, counts: [] },
});

describe('layer maths', () => {
  it('projects longitude/latitude to Web Mercator metres', () => {
    const [x, y] = lngLatToMercator(180, 0);
    expect(x).toBeCloseTo(20037508.34, 1);
    expect(y).toBeCloseTo(0, 6);
    expect(lngLatToMercator(0, 45)[1]).toBeCloseTo(5621521.49, 1);
  });

  it('shares one LST range across layers and keeps differences symmetric around zero', () => {
    const r = sharedRanges([
      { kind: 'input', stats: stats(300, 310) },
      { kind: 'output', stats: stats(298, 312) },
      { kind: 'difference', stats: stats(-0.5, 2) },
    ]);
    expect(r.lst).toEqual([298, 312]);
    expect(r.diff).toEqual([-2, 2]);
  });

  it('reads the display pixel under a coordinate and NaN outside', () => {
    const display = {
      width: 2,
      height: 2,
      bounds: [0, 0, 1, 1] as [number, number, number, number],
      data: new Float32Array([1, 2, 3, 4]),
    };
    expect(sampleDisplay({ display }, 0.25, 0.75)).toBe(1);
    expect(sampleDisplay({ display }, 0.75, 0.75)).toBe(2);
    expect(sampleDisplay({ display }, 0.75, 0.25)).toBe(4);
    expect(sampleDisplay({ display }, 1.5, 0.5)).toBeNaN();
  });

  it('formats kelvin and celsius, leaving differences unshifted', () => {
    expect(formatTemp(300, 'C')).toBe('26.85 °C');
    expect(formatTemp(1.5, 'C', true)).toBe('1.50 °C');
    expect(formatTemp(Number.NaN, 'K')).toBe('—');
  });
});

describe('native sampling', () => {
  it('finds the native pixel of a sinusoidal grid under a longitude/latitude', async () => {
    const { MODIS_SINUSOIDAL, WGS84, transformPoint } = await import('../core/geo/crs.ts');
    const { sampleNative } = await import('./layer-math.ts');
    const grid = {
      width: 4,
      height: 3,
      crs: MODIS_SINUSOIDAL,
      transform: [1000000, 1000, 0, 5000000, 0, -1000] as const,
    };
    const data = new Float32Array(12).map((_, i) => i);
    const [lng, lat] = transformPoint(MODIS_SINUSOIDAL, WGS84, 1002500, 4998500);
    expect(sampleNative({ grid, data }, lng, lat)).toEqual({ col: 2, row: 1, value: 6 });
    const [lng2, lat2] = transformPoint(MODIS_SINUSOIDAL, WGS84, 999000, 4998500);
    expect(sampleNative({ grid, data }, lng2, lat2)).toBeUndefined();
  });
});
