import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import { readNetcdf } from './netcdf-read.ts';
import { hasGdal } from '../test-support/gdal.ts';

const dir = path.resolve(
  import.meta.dirname,
  '../../../shared/data/buffalo-ny-mod11a2-mcd12q1-mod13a2-datasciencedata',
);
const lstFile = path.join(dir, 'MOD11A2.006_aid0001.nc');
const lcFile = path.join(dir, 'MCD12Q1.051_aid0001.nc');
const env = { ...process.env, GDAL_PAM_ENABLED: 'NO' };
const tmp = mkdtempSync(path.join(tmpdir(), 'srda-nc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!existsSync(lstFile) || !hasGdal())(
  'readNetcdf on the Buffalo AppEEARS NetCDF-4 files',
  () => {
    it('reads every MOD11A2 time step as a dated dataset with GDAL grid and values', async () => {
      const series = await readNetcdf(new Uint8Array(readFileSync(lstFile)), 'MOD11A2.006_aid0001.nc');
      expect(series).toHaveLength(811);
      expect(series[0].date).toBe('2000-02-18');
      expect(series.at(-1)!.date).toBe('2017-10-16');
      const d = series[0];
      expect(d.bands.map((b) => [b.name, b.role])).toEqual([
        ['LST_Day_1km', 'lst'],
        ['QC_Day', 'lst-qc'],
      ]);
      const sub = `NETCDF:"${lstFile}":LST_Day_1km`;
      const info = JSON.parse(
        execFileSync('gdalinfo', ['-json', '-proj4', sub], { env, maxBuffer: 1 << 28 }).toString(),
      ) as {
        geoTransform: number[];
        coordinateSystem: { proj4: string };
        size: number[];
      };
      expect([d.width, d.height]).toEqual(info.size);
      for (let i = 0; i < 6; i++) expect(d.transform[i]).toBeCloseTo(info.geoTransform[i], 4);
      expect(d.crs.proj4).toMatch(/\+proj=aea .*\+lat_0=23 .*\+lon_0=-96 .*\+lat_1=29\.5 .*\+lat_2=45\.5/);
      expect(info.coordinateSystem.proj4).toMatch(
        /\+proj=aea \+lat_0=23 \+lon_0=-96 \+lat_1=29\.5 \+lat_2=45\.5/,
      );
      // All 811 steps against GDAL's raw samples (one band per step), DN x 0.02 K, fill 0 and < 7500 -> NaN.
      const bin = path.join(tmp, 'lst.bin');
      execFileSync('gdal_translate', ['-q', '-of', 'ENVI', sub, bin], { env });
      const buf = readFileSync(bin);
      const ref = new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const n = d.width * d.height;
      let mismatches = 0;
      let clearSteps = 0;
      series.forEach((s, t) => {
        const lst = s.bands[0].raster.data;
        let valid = 0;
        for (let i = 0; i < n; i++) {
          const v = ref[t * n + i];
          const want = v === 0 || v < 7500 ? Number.NaN : Math.fround(v * 0.02);
          if (!Object.is(lst[i], want)) mismatches++;
          if (!Number.isNaN(want)) valid++;
        }
        if (valid === 1488) clearSteps++;
      });
      expect(mismatches).toBe(0);
      // The data README: 415 composites are fully valid inside the 1488-cell request polygon.
      expect(clearSteps).toBe(415);
    }, 120_000);

    it('reads MCD12Q1 land cover at 500 m on the same Albers grid, 2:1 with the LST', async () => {
      const lc = await readNetcdf(new Uint8Array(readFileSync(lcFile)), 'MCD12Q1.051_aid0001.nc', {
        dates: (d) => d.startsWith('2005'),
      });
      expect(lc).toHaveLength(1);
      const b = lc[0].bands.find((x) => x.name === 'Land_Cover_Type_1')!;
      expect(b.role).toBe('landcover');
      expect([lc[0].width, lc[0].height]).toEqual([84, 93]);
      expect(lc[0].transform[1]).toBeCloseTo(926.625433 / 2, 3);
      expect(lc[0].transform[0]).toBeCloseTo(1373258.8918, 3);
      const classes = new Set(Array.from(b.raster.data).filter((v) => !Number.isNaN(v)));
      expect([...classes].every((c) => Number.isInteger(c) && c >= 0 && c <= 16)).toBe(true);
      expect(classes.has(13)).toBe(true);
    }, 60_000);

    it('refuses a truncated NetCDF with CORRUPT_HDF naming the file', async () => {
      const bytes = new Uint8Array(readFileSync(lcFile)).slice(0, 20_000);
      const err = await readNetcdf(bytes, 'cut.nc').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('CORRUPT_HDF');
      expect((err as Error).message).toContain('cut.nc');
    });
  },
);
