import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODIS_SINUSOIDAL, WEB_MERCATOR } from '../geo/crs.ts';
import type { Grid, Raster } from './raster.ts';
import { reprojectRaster, reprojectedGrid } from './reproject.ts';
import { hasGdal } from '../../test-support/gdal.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const tif = path.resolve(
  repoRoot,
  '../shared/data/mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif',
);
const env = { ...process.env, GDAL_PAM_ENABLED: 'NO' };
const dir = mkdtempSync(path.join(tmpdir(), 'srda-reproject-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads a single-band float32 ENVI file written by GDAL, DN 0 -> NaN, DN x 0.02 K. */
function readLst(file: string): Float32Array {
  const buf = readFileSync(file);
  const raw = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return Float32Array.from(raw, (v) => (v === 0 ? Number.NaN : v * 0.02));
}

function gdalwarp(target: Grid, resampling: string, out: string, extra: string[] = []): Float32Array {
  const t = target.transform;
  const te = [t[0], t[3] + target.height * t[5], t[0] + target.width * t[1], t[3]].map(String);
  execFileSync(
    'gdalwarp',
    [
      '-q',
      '-overwrite',
      '-t_srs',
      'EPSG:3857',
      '-te',
      ...te,
      '-ts',
      String(target.width),
      String(target.height),
    ].concat([
      '-r',
      resampling,
      '-srcnodata',
      '0',
      '-dstnodata',
      '0',
      '-ot',
      'Float32',
      '-of',
      'ENVI',
      ...extra,
      tif,
      out,
    ]),
    { env },
  );
  return readLst(out);
}

describe.skipIf(!existsSync(tif) || !hasGdal())('reprojection against gdalwarp (MOD11A1 h14v09)', () => {
  execFileSync(
    'gdal_translate',
    ['-q', '-ot', 'Float32', '-a_nodata', 'none', '-of', 'ENVI', tif, path.join(dir, 'src.raw')],
    { env },
  );
  // Geotransform of the tile as GDAL reports it.
  const src: Raster = {
    width: 1200,
    height: 1200,
    transform: [-4447802.079066, 926.625433138333392, 0, 0, 0, -926.625433139166717],
    crs: MODIS_SINUSOIDAL,
    data: readLst(path.join(dir, 'src.raw')),
  };

  const full = reprojectedGrid(src, WEB_MERCATOR);
  /** A window of the display grid over the coast (land, ocean fill, coastline). */
  function windowOf(col: number, row: number, size: number): Grid {
    const t = full.transform;
    return {
      width: size,
      height: size,
      transform: [t[0] + col * t[1], t[1], 0, t[3] + row * t[5], 0, t[5]],
      crs: WEB_MERCATOR,
    };
  }

  it('picks the same source pixel as exact gdalwarp for every nearest-neighbour pixel of a window', () => {
    const target = windowOf(250, 300, 300);
    const mine = reprojectRaster(src, target, 'nearest', { maxErrorPx: 0 }).data;
    const gdal = gdalwarp(target, 'near', path.join(dir, 'near.raw'), ['-et', '0']);
    let valid = 0;
    for (let i = 0; i < gdal.length; i++) {
      if (Number.isNaN(gdal[i])) expect(mine[i]).toBeNaN();
      else {
        valid++;
        expect(mine[i]).toBe(gdal[i]);
      }
    }
    expect(valid).toBeGreaterThan(1000);
  });

  it('agrees with gdalwarp bilinear using the fast lattice', () => {
    const target = windowOf(100, 200, 500);
    const mine = reprojectRaster(src, target, 'bilinear').data;
    const gdal = gdalwarp(target, 'bilinear', path.join(dir, 'bil.raw'));
    let n = 0;
    let sum = 0;
    let close = 0;
    const w = target.width;
    for (let r = 2; r < target.height - 2; r++) {
      for (let c = 2; c < w - 2; c++) {
        // Next to nodata GDAL renormalises the bilinear weights while we fill first: skip the coast.
        let nearNodata = false;
        for (let dr = -2; dr <= 2; dr++)
          for (let dc = -2; dc <= 2; dc++) if (Number.isNaN(gdal[(r + dr) * w + c + dc])) nearNodata = true;
        const i = r * w + c;
        if (nearNodata || Number.isNaN(mine[i])) continue;
        n++;
        const d = Math.abs(mine[i] - gdal[i]);
        sum += d;
        if (d < 0.1) close++;
      }
    }
    expect(n).toBeGreaterThan(50000);
    // What remains differs by GDAL's own approximate transformer (0.125 px): a few hundredths of a K.
    expect(sum / n).toBeLessThan(0.03);
    expect(close / n).toBeGreaterThan(0.97);
  });
});
