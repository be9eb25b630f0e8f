import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset as loadDataset } from '../test-support/data.ts';
import { arrayBytesAtFirstStep } from '../test-support/steps.ts';
import { isAppError } from '../core/errors.ts';
import { WGS84 } from '../core/geo/crs.ts';
import type { Grid, Raster } from '../core/raster/raster.ts';
import { reprojectRaster } from '../core/raster/reproject.ts';
import { alignToGrid, alignToGridInSteps } from './align.ts';

const dataDir = path.resolve(import.meta.dirname, '../../../shared/data');
const dhaka = path.join(dataDir, 'dhaka-mod11a2-mod13q1-2024-citypath/MOD11A2.061');
const lstFile = path.join(dhaka, 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif');
const qcFile = path.join(dhaka, 'MOD11A2.061_QC_Day_doy2024097000000_aid0001.tif');
const python = '/usr/bin/python3';
const canRun =
  existsSync(qcFile) &&
  spawnSync(python, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!canRun)('alignToGrid: QC rasters aligned by georeference, never by pixel index', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'srda-align-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const shifted = path.join(dir, 'qc-east.tif');
  const merc = path.join(dir, 'qc-3857.tif');
  const far = path.join(dir, 'qc-far.tif');
  const script = `
from osgeo import gdal
gdal.UseExceptions()
src = gdal.Open(${JSON.stringify(qcFile)})
gt = src.GetGeoTransform()
w, h = src.RasterXSize, src.RasterYSize
def moved(out, dx):
    gdal.Translate(out, src, outputBounds=[gt[0] + dx, gt[3], gt[0] + dx + w * gt[1], gt[3] + h * gt[5]])
moved(${JSON.stringify(shifted)}, 12 * gt[1])
moved(${JSON.stringify(far)}, 40.0)
gdal.Warp(${JSON.stringify(merc)}, src, dstSRS='EPSG:3857', resampleAlg='near')
`;

  it('moves a QC grid shifted 12 pixels (about 11 km) east onto the LST pixels it covers', async () => {
    const r = spawnSync(python, ['-c', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lst = (await loadDataset(lstFile)).bands[0].raster;
    const qc = (await loadDataset(qcFile)).bands[0].raster;
    const east = (await loadDataset(shifted, { roleOverride: 'lst-qc' })).bands[0].raster;
    const same = alignToGrid(qc, lst, { categorical: true, name: 'qc' });
    expect(same.how).toBe('same-grid');
    const a = alignToGrid(east, lst, { categorical: true, name: 'qc-east.tif' });
    expect(a.how).toBe('reprojected');
    expect(a.coverage).toBeCloseTo((lst.width - 12) / lst.width, 3);
    let checked = 0;
    for (let row = 0; row < lst.height; row++) {
      for (let col = 0; col < lst.width; col++) {
        const v = a.raster.data[row * lst.width + col];
        if (col < 12) expect(v).toBeNaN();
        else {
          expect(v).toBe(qc.data[row * lst.width + col - 12]);
          checked++;
        }
      }
    }
    expect(checked).toBe(lst.height * (lst.width - 12));
  });

  it('reprojects a QC in EPSG:3857 back onto the LST grid (nearest QC value, same place)', async () => {
    const lst = (await loadDataset(lstFile)).bands[0].raster;
    const qc = (await loadDataset(qcFile)).bands[0].raster;
    const m = (await loadDataset(merc, { roleOverride: 'lst-qc' })).bands[0].raster;
    expect(m.crs.epsg).toBe(3857);
    const a = alignToGrid(m, lst, { categorical: true, name: 'qc-3857.tif' });
    let same = 0;
    let n = 0;
    for (let i = 0; i < qc.data.length; i++) {
      if (Number.isNaN(a.raster.data[i])) continue;
      n++;
      if (a.raster.data[i] === qc.data[i]) same++;
    }
    // Nearest-neighbour twice (GDAL to 3857, then back) moves a few edge pixels by one cell.
    expect(n).toBeGreaterThan(0.95 * qc.data.length);
    expect(same / n).toBeGreaterThan(0.9);
  });

  it('refuses a QC that covers another place with NO_OVERLAP naming it', async () => {
    const lst = (await loadDataset(lstFile)).bands[0].raster;
    const q = (await loadDataset(far, { roleOverride: 'lst-qc' })).bands[0].raster;
    let err: unknown;
    try {
      alignToGrid(q, lst, { categorical: true, name: 'qc-far.tif', file: far });
    } catch (e) {
      err = e;
    }
    expect(isAppError(err) && err.code).toBe('NO_OVERLAP');
    expect((err as Error).message).toContain('qc-far.tif');
  });
});

describe('alignToGrid coverage on a source that covers part of the target', () => {
  const utm = { epsg: 32615, proj4: '+proj=utm +zone=15 +datum=WGS84 +units=m +no_defs', name: 'UTM 15N', isGeographic: false };
  const N = Number.NaN;

  it('counts the target pixels inside the source, NaN source pixels included: a 4 x 3 source under columns 2-5 and rows 1-3 of a 6 x 6 target covers 12 of 36', () => {
    const src: Raster = { width: 4, height: 3, transform: [20, 10, 0, 100, 0, -10], crs: utm, data: Float32Array.from([1, N, 3, 4, N, N, N, N, 9, 10, 11, N]) };
    const target: Grid = { width: 6, height: 6, transform: [0, 10, 0, 110, 0, -10], crs: utm };
    for (const categorical of [true, false]) {
      const a = alignToGrid(src, target, { categorical, name: 'part.tif' });
      expect(a.how).toBe('reprojected');
      expect(a.coverage).toBe(12 / 36);
    }
  });

  it('counts them on a rotated target as well: a 30° turned 40 x 40 target of 10 m over a 20 x 20 source of 10 m', () => {
    const src: Raster = { width: 20, height: 20, transform: [0, 10, 0, 200, 0, -10], crs: utm, data: new Float32Array(400).fill(N) };
    const [cos, sin] = [Math.cos(Math.PI / 6), Math.sin(Math.PI / 6)];
    const target: Grid = { width: 40, height: 40, transform: [-100, 10 * cos, 10 * sin, 300, 10 * sin, -10 * cos], crs: utm };
    const ones = reprojectRaster({ ...src, data: new Float32Array(400).fill(1) }, target, 'nearest').data;
    const inside = ones.filter((v) => v === 1).length;
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThan(ones.length);
    expect(alignToGrid(src, target, { categorical: true, name: 'nan.tif' }).coverage).toBe(inside / ones.length);
  });

  it('counts them through a reprojection: a 200 x 200 UTM source with NaN holes under a geographic grid over part of it covers what a source of ones fills there', () => {
    const src: Raster = { width: 200, height: 200, transform: [500000, 30, 0, 2000000, 0, -30], crs: utm, data: new Float32Array(200 * 200).map((_, i) => (i % 7 === 0 ? N : 2)) };
    const target: Grid = { width: 120, height: 120, transform: [-93.01, 0.0005, 0, 18.1, 0, -0.0005], crs: WGS84 };
    const ones = reprojectRaster({ ...src, data: new Float32Array(200 * 200).fill(1) }, target, 'nearest').data;
    const inside = ones.filter((v) => v === 1).length;
    expect(inside / ones.length).toBeGreaterThan(0.05);
    expect(inside / ones.length).toBeLessThan(0.95);
    for (const categorical of [true, false]) {
      expect(alignToGrid(src, target, { categorical, name: 'utm.tif' }).coverage).toBe(inside / ones.length);
    }
  });

  it('measures coverage without a source-size array: a 3000 x 3000 mask under 100 x 100 target pixels holds under 1 byte per mask pixel at the first step; before, an array of ones the size of the mask (4 bytes per pixel)', () => {
    const src: Raster = { width: 3000, height: 3000, transform: [400000, 30, 0, 2000000, 0, -30], crs: utm, data: new Float32Array(3000 * 3000).fill(2) };
    const target: Grid = { width: 100, height: 100, transform: [400015, 30, 0, 1999985, 0, -30], crs: utm };
    expect(arrayBytesAtFirstStep(alignToGridInSteps(src, target, { categorical: true, name: 'mask.tif' }))).toBeLessThan(src.data.length);
  });
});
