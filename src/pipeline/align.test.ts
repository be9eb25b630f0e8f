import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataset as loadDataset } from '../test-support/data.ts';
import { isAppError } from '../core/errors.ts';
import { alignToGrid } from './align.ts';

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
