import { describe, expect, it } from 'vitest';
import { worldToPixel } from '../core/geo/affine.ts';
import { MODIS_SINUSOIDAL, WGS84, transformPoint } from '../core/geo/crs.ts';
import type { Raster } from '../core/raster/raster.ts';
import { sampleLngLatGrid } from '../core/geo/mercator.ts';
import { layerStats, toDisplay } from './display.ts';

function sinusoidalRaster(): Raster {
  // 40 x 30 pixels of 926.6 m in tile h25v06 (Bangladesh), values = pixel index.
  const width = 40;
  const height = 30;
  const data = new Float32Array(width * height).map((_, i) => i);
  return {
    width,
    height,
    data,
    crs: MODIS_SINUSOIDAL,
    transform: [9000000, 926.625433, 0, 2650000, 0, -926.625433],
  };
}

describe('Web Mercator display grid', () => {
  it('puts every sinusoidal pixel at its true longitude/latitude (not a corner stretch)', () => {
    const r = sinusoidalRaster();
    const d = toDisplay(r);
    expect(d.width).toBeGreaterThan(r.width);
    // The sinusoidal grid is sheared in lon/lat: the west edge longitude differs between top and bottom.
    const [lonTop] = transformPoint(MODIS_SINUSOIDAL, WGS84, 9000000, 2650000);
    const [lonBottom] = transformPoint(MODIS_SINUSOIDAL, WGS84, 9000000, 2650000 - 30 * 926.625433);
    expect(Math.abs(lonTop - lonBottom)).toBeGreaterThan(0.01);
    let checked = 0;
    for (let k = 0; k < 200; k++) {
      const col = 1.5 + ((k * 7) % 37);
      const row = 1.5 + ((k * 3) % 27);
      const x = r.transform[0] + (col + 0.0) * r.transform[1];
      const y = r.transform[3] + (row + 0.0) * r.transform[5];
      const [lng, lat] = transformPoint(MODIS_SINUSOIDAL, WGS84, x, y);
      const v = sampleLngLatGrid(d, lng, lat);
      const [c, rr] = worldToPixel(r.transform, x, y);
      expect(v).toBe(Math.floor(rr) * r.width + Math.floor(c));
      checked++;
    }
    expect(checked).toBe(200);
  });

  it('computes percentiles and a histogram over valid pixels only', () => {
    const data = new Float32Array(102).map((_, i) => i);
    data[100] = Number.NaN;
    data[101] = Number.NaN;
    const s = layerStats(data);
    expect(s.min).toBe(0);
    expect(s.max).toBe(99);
    expect(s.mean).toBeCloseTo(49.5, 6);
    expect(s.p2).toBe(2);
    expect(s.p98).toBe(97);
    expect(s.validFraction).toBeCloseTo(100 / 102, 9);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(100);
  });
});
