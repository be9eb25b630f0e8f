import { cancelDuringFirstBlock } from '../../test-support/steps.ts';
import { describe, expect, it } from 'vitest';
import { MODIS_SINUSOIDAL, WEB_MERCATOR, WGS84, crsFromEpsg, transformPoint } from '../geo/crs.ts';
import { pixelToWorld } from '../geo/affine.ts';
import type { Grid, Raster } from './raster.ts';
import { finishStepsAsync, STEP_PX } from '../progress.ts';
import { reprojectRaster, reprojectRasterInSteps, reprojectedGrid } from './reproject.ts';

// MODIS tile h12v10 (Amazon/Bolivia): 1200 x 1200 px of 926.625 m.
const PX = 926.625433055833;
const tile: Grid = {
  width: 1200,
  height: 1200,
  transform: [-6671703.118, PX, 0, -1111950.519667, 0, -PX],
  crs: MODIS_SINUSOIDAL,
};

/** A smooth field of longitude/latitude sampled at the source pixel centres. */
function fieldOnGrid(grid: Grid): Raster {
  const data = new Float32Array(grid.width * grid.height);
  for (let r = 0; r < grid.height; r++) {
    for (let c = 0; c < grid.width; c++) {
      const [x, y] = pixelToWorld(grid.transform, c + 0.5, r + 0.5);
      const [lon, lat] = transformPoint(grid.crs, WGS84, x, y);
      data[r * grid.width + c] = 300 + 2 * lon + 3 * lat;
    }
  }
  return { ...grid, data };
}

describe('reprojectRaster', () => {
  const small: Grid = {
    ...tile,
    width: 120,
    height: 120,
    transform: [-6671703.118, PX * 10, 0, -1111950.519667, 0, -PX * 10],
  };
  const src = fieldOnGrid(small);
  const target = reprojectedGrid(small, WEB_MERCATOR);

  it('matches exact per-pixel transformation to a tenth of a pixel', () => {
    const fast = reprojectRaster(src, target, 'nearest');
    const exact = reprojectRaster(src, target, 'nearest', { maxErrorPx: 0 });
    expect(exact.stats.stepPx).toBe(1);
    expect(fast.stats.maxErrorPx).toBeLessThanOrEqual(0.1);
    let diff = 0;
    let valid = 0;
    for (let i = 0; i < fast.data.length; i++) {
      if (Number.isNaN(exact.data[i])) continue;
      valid++;
      if (fast.data[i] !== exact.data[i]) diff++;
    }
    expect(valid).toBeGreaterThan(0.5 * fast.data.length);
    // Nearest picks can flip only where a centre falls within 0.1 px of a source pixel edge.
    expect(diff / valid).toBeLessThan(0.05);
  });

  it('recovers a smooth lon/lat field at target pixel centres with bilinear', () => {
    const out = reprojectRaster(src, target, 'bilinear');
    let worst = 0;
    let n = 0;
    const W = target.width;
    for (let r = 3; r < target.height - 3; r += 7) {
      for (let c = 3; c < target.width - 3; c += 7) {
        const v = out.data[r * W + c];
        // Within a pixel or so of the source edge, clamp-to-edge extrapolates flat: skip those.
        const near = [-3, 3].some(
          (d) => Number.isNaN(out.data[(r + d) * W + c]) || Number.isNaN(out.data[r * W + c + d]),
        );
        if (Number.isNaN(v) || near) continue;
        const [x, y] = pixelToWorld(target.transform, c + 0.5, r + 0.5);
        const [lon, lat] = transformPoint(WEB_MERCATOR, WGS84, x, y);
        worst = Math.max(worst, Math.abs(v - (300 + 2 * lon + 3 * lat)));
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
    // The field is nearly linear within a source pixel (~0.08 deg): bilinear error is tiny.
    expect(worst).toBeLessThan(0.03);
  });

  it('leaves target pixels outside the source NaN', () => {
    const wide: Grid = {
      ...target,
      transform: [
        target.transform[0] - 50 * target.transform[1],
        ...target.transform.slice(1),
      ] as unknown as Grid['transform'],
    };
    const out = reprojectRaster(src, wide, 'bilinear');
    expect(Number.isNaN(out.data[0])).toBe(true);
  });

  it('takes a full 1200x1200 sinusoidal tile onto Web Mercator through a coarse lattice, not per pixel', () => {
    const big: Raster = { ...tile, data: new Float32Array(1200 * 1200).fill(300) };
    const t = reprojectedGrid(tile, WEB_MERCATOR);
    const out = reprojectRaster(big, t, 'bilinear');
    // proj4 runs on one node in 64+ pixels (what makes it fast; the time is the benchmark's business).
    expect(out.stats.stepPx).toBeGreaterThanOrEqual(8);
    expect(out.stats.maxErrorPx).toBeLessThanOrEqual(0.1);
    expect(out.data.some((v) => v === 300)).toBe(true);
  });

  it('goes through the same-CRS path when the CRSs agree', () => {
    const utm = crsFromEpsg(32616);
    const a: Raster = {
      width: 2,
      height: 1,
      transform: [0, 10, 0, 10, 0, -10],
      crs: utm,
      data: Float32Array.of(1, 3),
    };
    const out = reprojectRaster(
      a,
      { width: 1, height: 1, transform: [5, 10, 0, 10, 0, -10], crs: utm },
      'bilinear',
    );
    expect(out.data[0]).toBe(2);
  });
});

describe('reprojectRasterInSteps', () => {
  // A 500 m geographic layer (and a same-CRS one off the lattice) onto 2048 x 1536 sinusoidal pixels of 250 m: ~3 blocks of STEP_PX.
  const fine: Grid = { ...tile, width: 2048, height: 1536, transform: [-6671703.118, PX / 4, 0, -1111950.519667, 0, -PX / 4] };
  const ramp = (g: Grid): Raster => ({ ...g, data: Float32Array.from({ length: g.width * g.height }, (_, i) => 300 + 0.01 * (i % g.width) + 0.02 * Math.floor(i / g.width)) });
  const geo = ramp(reprojectedGrid(fine, WGS84, { pixelSize: 0.0045 }));
  const shifted = ramp({ ...fine, width: 1024, height: 768, transform: [-6671703.118 + 100, PX / 2, 0, -1111950.519667 - 100, 0, -PX / 2] });

  it.each([
    ['another CRS', geo],
    ['the same CRS off the lattice', shifted],
  ])('from %s gives the result of reprojectRaster, yielding between blocks of rows', (_name, from) => {
    const steps = reprojectRasterInSteps(from, fine, 'bilinear');
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    expect(yields).toBeGreaterThanOrEqual(Math.floor((fine.width * fine.height) / STEP_PX) - 1);
    const whole = reprojectRaster(from, fine, 'bilinear');
    expect(r.value.data.every((v, i) => Object.is(v, whole.data[i]))).toBe(true);
  });

  it('stops with the cancel error on a signal aborted before it starts or between two blocks of rows', async () => {
    await expect(finishStepsAsync(reprojectRasterInSteps(geo, fine, 'bilinear'), AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
    // Aborted by a timer while the first block is computed: the check after that block stops the rest.
    const { error, blocks } = await cancelDuringFirstBlock(reprojectRasterInSteps(geo, fine, 'bilinear'));
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(blocks).toBeLessThanOrEqual(2);
  });
  // Every pixel centre transformed exactly (maxErrorPx 0): 640 x 480 centres of 250 m, 2.3 blocks of STEP_PX / 8 points, where the sampling itself is under one block.
  const exactTarget: Grid = { ...fine, width: 640, height: 480 };

  it('transforms every pixel centre exactly in blocks, yielding between them, with the result of reprojectRaster; before, in one go', () => {
    const steps = reprojectRasterInSteps(geo, exactTarget, 'nearest', { maxErrorPx: 0 });
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    expect(r.value.stats.stepPx).toBe(1);
    expect(yields).toBeGreaterThanOrEqual(Math.ceil((exactTarget.width * exactTarget.height) / (STEP_PX / 8)) - 1);
    const whole = reprojectRaster(geo, exactTarget, 'nearest', { maxErrorPx: 0 });
    expect(r.value.data.every((v, i) => Object.is(v, whole.data[i]))).toBe(true);
    // Against the centres transformed one by one.
    for (const [c, row] of [[0, 0], [639, 0], [320, 240], [639, 479]]) {
      const [x, y] = pixelToWorld(exactTarget.transform, c + 0.5, row + 0.5);
      const [lon, lat] = transformPoint(exactTarget.crs, WGS84, x, y);
      const sc = Math.floor((lon - geo.transform[0]) / geo.transform[1]);
      const sr = Math.floor((lat - geo.transform[3]) / geo.transform[5]);
      expect(whole.data[row * exactTarget.width + c]).toBe(geo.data[sr * geo.width + sc]);
    }
  });

  it('stops with the cancel error while the exact transform runs, leaving no partial raster; a later run gives the whole result', async () => {
    const before = geo.data.slice();
    const { error, blocks } = await cancelDuringFirstBlock(reprojectRasterInSteps(geo, exactTarget, 'nearest', { maxErrorPx: 0 }));
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(blocks).toBe(1);
    expect(geo.data.every((v, i) => Object.is(v, before[i]))).toBe(true);
    const again = await finishStepsAsync(reprojectRasterInSteps(geo, exactTarget, 'nearest', { maxErrorPx: 0 }), new AbortController().signal);
    const whole = reprojectRaster(geo, exactTarget, 'nearest', { maxErrorPx: 0 }).data;
    expect(again.data.every((v, i) => Object.is(v, whole[i]))).toBe(true);
  });
});
