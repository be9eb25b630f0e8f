import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import type { Grid } from '../raster/raster.ts';
import { MODIS_SINUSOIDAL, WGS84, crsFromEpsg } from './crs.ts';
import {
  alignmentOffset,
  coarsenGrid,
  cropGrid,
  gridBounds,
  gridBoundsIn,
  gridOverlap,
  gridToString,
  isAligned,
  refineGrid,
  requireAligned,
  requireOverlap,
  sameGrid,
  windowOfBounds,
} from './grid.ts';

const utm = crsFromEpsg(32616);
const coarse: Grid = { width: 10, height: 8, transform: [500000, 1000, 0, 3400000, 0, -1000], crs: utm };

describe('grids', () => {
  it('computes bounds from the outer pixel edges', () => {
    expect(gridBounds(coarse)).toEqual({ minX: 500000, minY: 3392000, maxX: 510000, maxY: 3400000 });
  });

  it('refines and coarsens around the same origin', () => {
    const fine = refineGrid(coarse, 2);
    expect(fine.width).toBe(20);
    expect(fine.transform).toEqual([500000, 500, 0, 3400000, 0, -500]);
    const odd: Grid = { ...fine, width: 21, height: 15 };
    expect(coarsenGrid(odd, 2)).toMatchObject({ width: 11, height: 8 });
    expect(coarsenGrid(odd, 2, 'floor')).toMatchObject({ width: 10, height: 7 });
    expect(coarsenGrid(odd, 2).transform).toEqual(coarse.transform);
  });

  it('finds a fine grid aligned inside a coarse one and its offset', () => {
    const fine = cropGrid(refineGrid(coarse, 2), { col: 4, row: 6, width: 6, height: 4 });
    expect(alignmentOffset(fine, coarse, 2)).toEqual({ col: 2, row: 3 });
    expect(isAligned(fine, coarse, 2)).toBe(true);
    expect(isAligned(fine, coarse, 4)).toBe(false);
  });

  it('rejects a fine grid shifted by a quarter pixel or in another CRS', () => {
    const fine = refineGrid(coarse, 2);
    const shifted: Grid = { ...fine, transform: [500125, 500, 0, 3400000, 0, -500] };
    expect(isAligned(shifted, coarse, 2)).toBe(false);
    expect(isAligned({ ...fine, crs: crsFromEpsg(32617) }, coarse, 2)).toBe(false);
    try {
      requireAligned(shifted, coarse, 2, 'ndvi.tif', 'lst.tif');
      expect.unreachable();
    } catch (e) {
      expect((e as AppError).code).toBe('GRID_MISMATCH');
      expect((e as AppError).message).toContain('ndvi.tif (20x16 px of 500x500 m, origin (500125, 3400000)');
      expect((e as AppError).message).toContain('lst.tif (10x8 px');
    }
  });

  it('tolerates float noise in MODIS-like origins', () => {
    const px = 926.625433055833;
    const c: Grid = {
      width: 4,
      height: 4,
      transform: [-6671703.118, px, 0, 1111950.519667, 0, -px],
      crs: MODIS_SINUSOIDAL,
    };
    const f: Grid = {
      width: 8,
      height: 8,
      transform: [-6671703.118 + 1e-6, px / 2, 0, 1111950.519667, 0, -px / 2],
      crs: MODIS_SINUSOIDAL,
    };
    expect(isAligned(f, c, 2)).toBe(true);
    expect(sameGrid(c, { ...c })).toBe(true);
  });

  it('names a grid in one line', () => {
    expect(gridToString(coarse)).toBe(
      '10x8 px of 1000x1000 m, origin (500000, 3400000), EPSG:32616 (WGS 84 / UTM zone 16N)',
    );
  });

  it('maps bounds to the covering pixel window', () => {
    expect(windowOfBounds(coarse, { minX: 501500, minY: 3395000, maxX: 503000, maxY: 3399999 })).toEqual({
      col: 1,
      row: 0,
      width: 2,
      height: 5,
    });
    expect(windowOfBounds(coarse, { minX: 0, minY: 0, maxX: 1, maxY: 1 })).toBeUndefined();
  });

  it('finds the overlap of grids in different CRSs and refuses disjoint ones', () => {
    const geo: Grid = {
      width: 100,
      height: 100,
      transform: [-87.05, 0.001, 0, 30.74, 0, -0.001],
      crs: WGS84,
    };
    const o = gridOverlap(coarse, geo);
    expect(o).toBeDefined();
    expect(o!.minX).toBeGreaterThanOrEqual(500000);
    expect(o!.maxY).toBeLessThanOrEqual(3400000);
    const b = gridBoundsIn(coarse, WGS84)!;
    expect(b.minX).toBeCloseTo(-87, 3);
    const far: Grid = { ...geo, transform: [10, 0.001, 0, 50, 0, -0.001] };
    expect(() => requireOverlap(coarse, far, 'lst.tif', 'ndvi.tif')).toThrowError(
      /lst.tif .* and ndvi.tif .* do not overlap/,
    );
  });
});
