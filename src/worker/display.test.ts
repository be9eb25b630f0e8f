import { describe, expect, it } from 'vitest';
import { worldToPixel } from '../core/geo/affine.ts';
import { MODIS_SINUSOIDAL, WGS84, transformPoint } from '../core/geo/crs.ts';
import type { Raster } from '../core/raster/raster.ts';
import { sampleLngLatGrid } from '../core/geo/mercator.ts';
import { cancelDuringFirstBlock, runCountingYields } from '../test-support/steps.ts';
import { layerStats, layerStatsInSteps, toDisplay, toDisplayInSteps } from './display.ts';
import { poolLayerMaker } from './layer-pool.ts';

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

describe('the display reprojection of a large layer (1200 x 1200 sinusoidal pixels, a 2048 px display grid)', () => {
  const r: Raster = { ...sinusoidalRaster(), width: 1200, height: 1200, data: new Float32Array(1200 * 1200).map((_, i) => i % 9973) };

  it("yields between blocks of rows and gives toDisplay's grid", () => {
    const { yields, value } = runCountingYields(toDisplayInSteps(r));
    expect(yields).toBeGreaterThanOrEqual(2);
    const whole = toDisplay(r);
    expect([value.width, value.height, value.bounds]).toEqual([whole.width, whole.height, whole.bounds]);
    expect(value.data.every((v, i) => Object.is(v, whole.data[i]))).toBe(true);
  });

  it('stops with the cancel error after the block of rows during which the cancel came', async () => {
    const { error, blocks } = await cancelDuringFirstBlock(toDisplayInSteps(r));
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(blocks).toBe(1);
  });

  it('a layer made on this thread stops with the cancel error (not a failure of the layer) when the run is cancelled during it; before, it was reprojected whole', async () => {
    const ac = new AbortController();
    const made = poolLayerMaker(() => {
      throw new Error('no workers here');
    }, 0).make(r, 'Output 250 m', ac.signal);
    setTimeout(() => ac.abort(), 0);
    await expect(made).rejects.toMatchObject({ code: 'CANCELLED', message: expect.not.stringContaining('could not be made') });
  });
});

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

  it('bins on the exact bin edges as the quotient does and takes the strided percentiles of a large layer', () => {
    // 1.5 M values on a 0.1 K lattice (many exactly on bin edges: range 6.4 -> bins of 0.1) and NaN.
    const data = new Float32Array(1_500_000).map((_, i) => (i % 7 === 0 ? Number.NaN : 280 + ((i * 37) % 65) / 10));
    const s = layerStats(data);
    const valid = data.filter((v) => v === v);
    const w = (s.max - s.min) / 64;
    const counts = new Array<number>(64).fill(0);
    for (const v of valid) counts[Math.min(63, Math.floor((v - s.min) / w))]++;
    expect(s.histogram.counts).toEqual(counts);
    const stride = Math.ceil(valid.length / 2 ** 20);
    const sorted = valid.filter((_, i) => i % stride === 0).sort();
    const q = (p: number): number => sorted[Math.round(p * (sorted.length - 1))];
    expect([s.p2, s.p98]).toEqual([q(0.02), q(0.98)]);
  });

  it('gives the same statistics bit for bit in blocks of any size, yielding after each block of values', () => {
    const data = new Float32Array(1_500_000).map((_, i) => (i % 7 === 0 ? Number.NaN : 280 + ((i * 37) % 65) / 10 + i / 3e6));
    const whole = layerStats(data);
    for (const blockPx of [1000, 65_536, 333_333, 2 ** 21]) {
      const steps = layerStatsInSteps(data, blockPx);
      let yields = 0;
      let r = steps.next();
      for (; !r.done; r = steps.next()) yields++;
      // First pass (sum, min, max) in blocks of 4 x blockPx, then the histogram's in blocks of blockPx.
      expect(yields).toBe(Math.ceil(data.length / (4 * blockPx)) + Math.ceil(data.length / blockPx));
      const s = r.value;
      for (const k of ['min', 'max', 'mean', 'std', 'p2', 'p98', 'validFraction'] as const) expect(Object.is(s[k], whole[k]), k).toBe(true);
      expect(s.histogram).toEqual(whole.histogram);
    }
  });

  it('puts values where the product by 1/w and the quotient by w floor differently in the quotient\'s bin', () => {
    // Found by search: with this range, (v - min) / w is 8, 16, 32 and 56 (bin edges) while
    // (v - min) * (1 / w) falls just below.
    const data = Float32Array.of(250.5465850830078, 253.3855743408203, 250.90145874023438, 251.25633239746094, 251.96607971191406, 253.03070068359375);
    const { counts } = layerStats(data).histogram;
    const w = (data[1] - data[0]) / 64;
    for (const v of data.subarray(2)) expect(Math.floor((v - data[0]) * (1 / w))).not.toBe(Math.floor((v - data[0]) / w));
    expect([7, 8, 15, 16, 31, 32, 55, 56].map((b) => counts[b])).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });
});
