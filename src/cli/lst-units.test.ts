import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from './load.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dhaka = path.resolve(repoRoot, '../shared/data/dhaka-mod11a2-mod13q1-2024-citypath');
const lst = path.join(dhaka, 'MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif');
const ndvi = path.join(dhaka, 'MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif');
const python = '/usr/bin/python3';
const canRun =
  existsSync(lst) && spawnSync(python, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

/**
 * Writes `file` (GDAL, Dhaka 097's LST grid and CRS, nodata -999): `expr`, a numpy expression of
 * the LST's stored values `dn` (kelvin = dn * 0.02), where the LST is valid, as GDAL type
 * `gdalType` (numpy type `npType`).
 */
function writeFromLst(file: string, gdalType: string, expr: string, npType: string): void {
  const make = spawnSync(
    python,
    [
      '-c',
      `import numpy as np
from osgeo import gdal
gdal.UseExceptions()
src = gdal.Open(${JSON.stringify(lst)})
dn = src.GetRasterBand(1).ReadAsArray().astype(np.float64)
out = gdal.GetDriverByName('GTiff').CreateCopy(${JSON.stringify(file)}, gdal.GetDriverByName('MEM').Create('', dn.shape[1], dn.shape[0], 1, gdal.${gdalType}))
out.SetGeoTransform(src.GetGeoTransform())
out.SetProjection(src.GetProjection())
out.GetRasterBand(1).SetNoDataValue(-999)
out.GetRasterBand(1).WriteArray(np.where(dn > 0, ${expr}, -999).astype(np.${npType}))
out = None`,
    ],
    { encoding: 'utf8' },
  );
  expect(make.status, make.stderr).toBe(0);
}

describe.skipIf(!canRun)('an LST in degrees Celsius: said so, converted only when asked', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'srda-units-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const celsius = path.join(dir, 'lst_celsius.tif');
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [path.join(repoRoot, 'bin/srda-lst.js'), ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
    });

  it('refuses with the candidates and the option, then runs with --lst-units C to the same kelvin', async () => {
    writeFromLst(celsius, 'GDT_Float32', 'dn * 0.02 - 273.15', 'float32');
    const info = JSON.parse(cli(['info', celsius]).stdout) as {
      bands: { looksLike?: { lstUnits: string }[] }[];
    };
    expect(info.bands[0].looksLike?.map((l) => l.lstUnits)).toEqual(['C']);
    const base = ['downscale', '--lst', celsius, '--ndvi', ndvi, '--method', 'bicubic', '--quiet'];
    const refused = cli([...base, '--out', path.join(dir, 'a')]);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(
      /BAD_VALUES: .*lst_celsius\.tif: the values run from -?\d+\.?\d* to \d+\.?\d*: they look like degrees Celsius \(C\), not kelvin\. Rerun with --lst-units C/,
    );
    const converted = cli([...base, '--lst-units', 'C', '--out', path.join(dir, 'c')]);
    expect(converted.status, converted.stderr).toBe(0);
    const kelvin = cli([...base.map((a) => (a === celsius ? lst : a)), '--out', path.join(dir, 'k')]);
    expect(kelvin.status, kelvin.stderr).toBe(0);
    // Same kelvin in, same kelvin out (float32 rounding of the Celsius copy aside).
    const c = await loadDataset(path.join(dir, 'c', 'lst_stage2.tif'));
    const k = await loadDataset(path.join(dir, 'k', 'lst_stage2.tif'));
    const a = c.bands[0].raster.data;
    const b = k.bands[0].raster.data;
    let worst = 0;
    for (let i = 0; i < a.length; i++)
      if (!Number.isNaN(b[i])) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(a.length).toBe(b.length);
    expect(worst).toBeLessThan(1e-3);
  }, 120_000);

  it('says so for whole degrees Celsius in a file whose name does not say LST (given by --lst), with the range, and converts with --lst-units C', () => {
    // Before, the run stopped later with 'every LST value is below 150 K: degrees Celsius? Check the scale factor'.
    const whole = path.join(dir, 'july_c.tif');
    writeFromLst(whole, 'GDT_Int16', 'np.round(dn * 0.02 - 273.15)', 'int16');
    const base = ['downscale', '--lst', whole, '--ndvi', ndvi, '--method', 'bicubic', '--quiet'];
    const refused = cli([...base, '--out', path.join(dir, 'w')]);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toMatch(
      /^srda-lst downscale: BAD_VALUES: --lst \S*july_c\.tif: every value is a whole number from \d+ to \d+: they look like degrees Celsius \(C\), not kelvin\. Rerun with --lst-units C to convert them to K\.$/,
    );
    expect(cli([...base, '--lst-units', 'C', '--out', path.join(dir, 'wc')]).status).toBe(0);
  }, 120_000);
});

const dataDir = path.resolve(repoRoot, '../shared/data');
const FAYOUM = path.join(dataDir, 'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor');
const MENDOZA_RED = path.join(dataDir, 'landsat8_mendoza_water/LC82320832016040LGN00_sr_band4.tif');
const MOD09A1 = path.join(dataDir, 'modis-misc-testfiles-modistsp/MOD09A1.A2017193.h18v04.006.2017202035302.hdf');

describe.skipIf(!existsSync(FAYOUM) || !existsSync(MENDOZA_RED) || !existsSync(MOD09A1))('a reflectance band or an NDVI given as --lst: said for what it is, not degrees Celsius', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/srda-lst.js'), ...args], { cwd: repoRoot, encoding: 'utf8' });
  const refuse = (lst: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'srda-notlst-'));
    const r = cli(['downscale', '--lst', lst, '--ndvi', path.join(FAYOUM, 'NDVI_20190704.tif'), '--method', 'bicubic', '--quiet', '--out', dir]);
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain('Celsius');
    return r.stderr.trim();
  };

  it('names the file, what it looks like and why, with the range, and the option it goes with', () => {
    // Before: 'the values run from -0.3000 to 0.7952: they look like degrees Celsius (C), not kelvin. Rerun with --lst-units C'.
    expect(refuse(path.join(FAYOUM, 'NDVI_20190704.tif'))).toMatch(
      /^srda-lst downscale: BAD_VALUES: --lst \S*NDVI_20190704\.tif: the values run from -0\.3000 to 0\.7952: they look like an NDVI, not a temperature, as its name or metadata \(NDVI_20190704\) says\. Give your LST file \(in kelvin\) with --lst \(this file goes with --ndvi\)\.$/,
    );
    expect(refuse(MENDOZA_RED)).toMatch(/sr_band4\.tif: the values run from 0\.01550 to 0\.6691: they look like a red reflectance band, not a temperature, .*\(this file goes with --red\)\.$/);
    expect(refuse(`${MOD09A1}:sur_refl_b01`)).toMatch(/: the values run from 0\.005700 to 0\.5012: they look like a red reflectance band, not a temperature, as its name or metadata \(sur_refl_b01\) says/);
  }, 120_000);
});
