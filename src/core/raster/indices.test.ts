import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { crsFromEpsg } from '../geo/crs.ts';
import type { Raster } from './raster.ts';
import { computeNdvi, computeNdwi, normalizedDifference } from './indices.ts';

const grid = { width: 3, height: 1, transform: [0, 30, 0, 0, 0, -30] as const, crs: crsFromEpsg(32616) };
const N = Number.NaN;

describe('spectral indices', () => {
  it('computes NDVI of known reflectances', () => {
    const red: Raster = { ...grid, data: Float32Array.of(0.05, 0.1, 0.2) };
    const nir: Raster = { ...grid, data: Float32Array.of(0.45, 0.1, 0.1) };
    const ndvi = computeNdvi(red, nir);
    expect(ndvi.data[0]).toBeCloseTo(0.8, 6);
    expect(ndvi.data[1]).toBe(0);
    expect(ndvi.data[2]).toBeCloseTo(-1 / 3, 6);
  });

  it('computes Gao NDWI as (NIR - SWIR) / (NIR + SWIR)', () => {
    const nir: Raster = { ...grid, data: Float32Array.of(0.3, 0.3, 0.3) };
    const swir: Raster = { ...grid, data: Float32Array.of(0.1, 0.3, 0.5) };
    expect(Array.from(computeNdwi(nir, swir).data).map((v) => Number(v.toFixed(6)))).toEqual([0.5, 0, -0.25]);
  });

  it('is NaN for missing bands and zero sums, and clamps negative-reflectance blow-ups', () => {
    const out = normalizedDifference(Float32Array.of(N, 0, 0.2, 0.5), Float32Array.of(0.1, 0, N, -0.3));
    expect(Number.isNaN(out[0])).toBe(true);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(Number.isNaN(out[2])).toBe(true);
    expect(out[3]).toBe(1);
  });

  it('refuses bands on different grids', () => {
    const red: Raster = { ...grid, data: new Float32Array(3) };
    const nir: Raster = { ...grid, transform: [15, 30, 0, 0, 0, -30], data: new Float32Array(3) };
    expect(() => computeNdvi(red, nir)).toThrow(AppError);
  });
});
