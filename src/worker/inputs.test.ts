import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../test-support/data.ts';
import { getInput, ingestFiles } from './inputs.ts';
import { previewScene } from './preview.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const dataDir = path.resolve(repoRoot, '../shared/data');
const python = '/usr/bin/python3';
const canBuild =
  existsSync(path.join(dataDir, 'dhaka-mod11a2-mod13q1-2024-citypath')) &&
  spawnSync(python, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

// int16 deci-Celsius LST (from the Dhaka MOD11A2 file) whose scale 0.1 and offset 273.15 GDAL keeps
// only in the .aux.xml sidecar: e2e/fixtures/gdal-corpus.py builds it at test time.
const CASE = 'i16-aux-xml-scale.tif';

function meanOf(id: string): number {
  let n = 0;
  let sum = 0;
  for (const v of getInput(id).band.raster.data) {
    if (Number.isNaN(v)) continue;
    n++;
    sum += v;
  }
  return sum / n;
}

describe.skipIf(!canBuild)('a GDAL .aux.xml sidecar dropped in the app (worker input store)', () => {
  let dir = '';
  let gdalMean = 0;
  const raster = (name: string) => new File([readFileSync(path.join(dir, CASE))], name);
  const sidecar = (name: string) => new File([readFileSync(path.join(dir, `${CASE}.aux.xml`))], name);
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'srda-sidecar-'));
    const r = spawnSync(python, [path.join(repoRoot, 'e2e/fixtures/gdal-corpus.py'), dataDir, dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { file: string; gdal?: { bands: { mean: number }[] } }[];
    gdalMean = manifest.find((m) => m.file === CASE)!.gdal!.bands[0].mean;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the sidecar dropped with its raster: kelvins as GDAL reads them, and the row says where they came from', async () => {
    const { inputs, replaced } = await ingestFiles([raster('lst_day_a.tif'), sidecar('lst_day_a.tif.aux.xml')]);
    expect(replaced).toEqual([]);
    expect(inputs).toHaveLength(1);
    expect(inputs[0].problem).toBeUndefined();
    expect(inputs[0].unitCandidates).toBeUndefined();
    expect(inputs[0].sidecar).toBe('scale 0.1, offset 273.15 from lst_day_a.tif.aux.xml');
    expect(gdalMean).toBeGreaterThan(290);
    expect(Math.abs(meanOf(inputs[0].id) - gdalMean)).toBeLessThan(1e-3);
  });

  it('reads several files at once, rows in the order dropped, a broken one with its problem between the others', async () => {
    const broken = new File([readFileSync(path.join(dir, CASE)).subarray(0, 600)], 'broken.tif');
    const { inputs } = await ingestFiles([
      raster('lst_day_d.tif'),
      sidecar('lst_day_d.tif.aux.xml'),
      broken,
      raster('lst_day_e.tif'),
      sidecar('lst_day_e.tif.aux.xml'),
    ]);
    expect(inputs.map((r) => r.fileName)).toEqual(['lst_day_d.tif', 'broken.tif', 'lst_day_e.tif']);
    expect(inputs[0].problem).toBeUndefined();
    expect(inputs[1].problem?.file).toBe('broken.tif');
    expect(inputs[2].problem).toBeUndefined();
    // Ids in row order, the two good files' values the same.
    expect(Number(inputs[2].id.slice(2))).toBeGreaterThan(Number(inputs[0].id.slice(2)));
    expect(Math.abs(meanOf(inputs[0].id) - gdalMean)).toBeLessThan(1e-3);
    expect(meanOf(inputs[2].id)).toBe(meanOf(inputs[0].id));
  });

  it('reads a raster again when its sidecar is dropped later, replacing its row', async () => {
    const first = await ingestFiles([raster('lst_day_b.tif')]);
    // Without the sidecar the values are deci-Celsius: conversions are offered, none applied.
    expect(first.inputs[0].unitCandidates?.length).toBeGreaterThan(0);
    const second = await ingestFiles([sidecar('lst_day_b.tif.aux.xml')]);
    expect(second.replaced).toEqual([first.inputs[0].id]);
    expect(second.notices).toEqual(['lst_day_b.tif was read again with the scale, offset and nodata of lst_day_b.tif.aux.xml.']);
    expect(second.inputs).toHaveLength(1);
    expect(second.inputs[0].fileName).toBe('lst_day_b.tif');
    expect(second.inputs[0].unitCandidates).toBeUndefined();
    expect(Math.abs(meanOf(second.inputs[0].id) - gdalMean)).toBeLessThan(1e-3);
    expect(() => getInput(first.inputs[0].id)).toThrow(/no longer loaded/);
  });

  it('leaves the raster its sidecar would re-read, and keeps no sidecar, when that read is cancelled', async () => {
    const first = await ingestFiles([raster('lst_day_f.tif')]);
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(ingestFiles([sidecar('lst_day_f.tif.aux.xml')], { signal: ctrl.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
    // The app keeps its row: the worker still holds it, read without the sidecar.
    expect(getInput(first.inputs[0].id).info.unitCandidates?.length).toBeGreaterThan(0);
    const again = await ingestFiles([raster('lst_day_g.tif'), sidecar('lst_day_f.tif.aux.xml')]);
    expect(again.replaced).toEqual([first.inputs[0].id]);
    expect(again.notices).toEqual(['lst_day_f.tif was read again with the scale, offset and nodata of lst_day_f.tif.aux.xml.']);
  });

  it('keeps a sidecar dropped before its raster and applies it when the raster comes', async () => {
    const early = await ingestFiles([sidecar('lst_day_c.tif.aux.xml')]);
    expect(early.inputs).toEqual([]);
    expect(early.notices[0]).toMatch(/lst_day_c\.tif\.aux\.xml is kept: .* apply to lst_day_c\.tif when you drop that file/);
    const late = await ingestFiles([raster('lst_day_c.tif')]);
    expect(late.inputs[0].sidecar).toMatch(/from lst_day_c\.tif\.aux\.xml$/);
    expect(Math.abs(meanOf(late.inputs[0].id) - gdalMean)).toBeLessThan(1e-3);
  });

  it('refuses a file named .aux.xml that is not a GDAL sidecar with a row naming it', async () => {
    const { inputs } = await ingestFiles([new File(['<html></html>'], 'lst_day_d.tif.aux.xml')]);
    expect(inputs).toHaveLength(1);
    expect(inputs[0].problem).toMatchObject({ code: 'BAD_ARGUMENT', file: 'lst_day_d.tif.aux.xml' });
    expect(inputs[0].problem?.message).toMatch(/lst_day_d\.tif\.aux\.xml is not a GDAL \.aux\.xml sidecar/);
  });
});

const GEZIRA = path.join(dataDir, 'landsat8_gezira_sudan_pysebal');
const geziraFile = (suffix: string) => {
  const name = `LC08_L1TP_173049_20140310_20170425_01_T1_${suffix}`;
  return new File([readFileSync(path.join(GEZIRA, name))], name);
};

describe.skipIf(!existsSync(GEZIRA))('a Landsat MTL dropped in the app with its band files (Gezira)', () => {
  it('reads the band files again when their MTL is dropped after them, replacing their rows', async () => {
    // Before any MTL is dropped (the next test drops another scene's).
    const renamed = (suffix: string) => new File([geziraFile(suffix)], `LC08_L1TP_173049_20140310_20170425_01_T2_${suffix}`);
    const first = await ingestFiles([renamed('B4.TIF'), renamed('B11.TIF')]);
    expect(first.inputs[1].problem?.code).toBe('BAD_VALUES');
    expect(meanOf(first.inputs[0].id)).toBeGreaterThan(1000);
    const second = await ingestFiles([renamed('MTL.txt')]);
    expect(second.replaced).toEqual(first.inputs.map((r) => r.id));
    expect(second.notices).toEqual([
      'LC08_L1TP_173049_20140310_20170425_01_T2_B4.TIF, LC08_L1TP_173049_20140310_20170425_01_T2_B11.TIF were read again with the calibration of LC08_L1TP_173049_20140310_20170425_01_T2_MTL.txt.',
    ]);
    expect(second.inputs.map((r) => r.problem)).toEqual([undefined, undefined]);
    // An MTL with no band file of its scene (a stack named otherwise) says it calibrates nothing.
    const lone = await ingestFiles([new File([geziraFile('MTL.txt')], 'L7.MTL.txt'), new File([geziraFile('B4.TIF')], 'stack.tif')]);
    expect(lone.notices).toEqual([
      'L7.MTL.txt calibrates nothing yet: no file dropped has a Landsat band name of its scene (<scene>_B4.TIF); band files so named are calibrated with it when you drop them.',
    ]);
    expect(meanOf(second.inputs[0].id)).toBeLessThan(1);
  });

  it('calibrates the bands with it as the CLI does (both thermal bands in K, red in reflectance), bit for bit, and takes no row of its own', async () => {
    const { inputs, notices } = await ingestFiles(['B4.TIF', 'B10.TIF', 'B11.TIF', 'MTL.txt'].map(geziraFile));
    // No row for the MTL, no "kelvin x 100" offered for B11's DN.
    expect(inputs.map((r) => [r.fileName.replace(/^.*_T1_/, ''), r.role, r.problem?.code, r.unitCandidates])).toEqual([
      ['B4.TIF', 'red', undefined, undefined],
      ['B10.TIF', 'lst', undefined, undefined],
      ['B11.TIF', 'lst', undefined, undefined],
    ]);
    expect(notices).toEqual([]);
    expect(inputs[2].sidecar).toBe('calibrated with LC08_L1TP_173049_20140310_20170425_01_T1_MTL.txt');
    for (const [row, suffix] of [[0, 'B4.TIF'], [2, 'B11.TIF']] as const) {
      const cli = (await readDataset(path.join(GEZIRA, `LC08_L1TP_173049_20140310_20170425_01_T1_${suffix}`))).bands[0].raster.data;
      const app = getInput(inputs[row].id).band.raster.data;
      expect(app.every((v, i) => Object.is(v, cli[i]))).toBe(true);
    }
    expect(meanOf(inputs[0].id)).toBeLessThan(1);
  });
});

const CHIAPAS_STACK = path.join(dataDir, 'landsat7_chiapas_opengeotutorial/LE70220492002106EDC00_stack.gtif');
const hasGdal = spawnSync(python, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!existsSync(CHIAPAS_STACK) || !hasGdal)('a Landsat-named cloud mask written by GDAL (Chiapas Fmask, band 8 of the stack)', () => {
  let dir = '';
  const names = ['LE70220492002106EDC00_west_cloud_mask.tif', 'LC08_L1TP_022049_20020416_20170425_01_T1_west_cloud_mask.tif'];
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'srda-gdal-mask-'));
    // gdal_translate keeps the band's default name: each file's band says DESCRIPTION 'Band 8'.
    const script = ['from osgeo import gdal; import sys', 'gdal.UseExceptions()', 'ds = gdal.Open(sys.argv[1])', 'for out in sys.argv[2:]: d = gdal.Translate(out, ds, bandList=[8], srcWin=[0, 0, 150, 250]); d = None', 'o = gdal.Open(sys.argv[2]); print(o.GetRasterBand(1).GetDescription())'].join('\n');
    const r = spawnSync(python, ['-c', script, CHIAPAS_STACK, ...names.map((n) => path.join(dir, n))], { encoding: 'utf8', env: { ...process.env, GDAL_PAM_ENABLED: 'NO' } });
    if (r.status !== 0) throw new Error(r.stderr);
    expect(r.stdout.trim()).toBe('Band 8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is listed as cloud-mask, as its name says; before, its band name 'Band 8' made it Landsat's panchromatic band, role unknown", async () => {
    const { inputs } = await ingestFiles(names.map((n) => new File([readFileSync(path.join(dir, n))], n)));
    expect(inputs.map((i) => [i.fileName, i.role, i.date, i.problem])).toEqual([
      [names[0], 'cloud-mask', '2002-04-16', undefined],
      [names[1], 'cloud-mask', '2002-04-16', undefined],
    ]);
  });
});

const MENDOZA = path.join(dataDir, 'landsat8_mendoza_water');
const mendozaFile = (suffix: string): File => {
  const name = `LC82320832016040LGN00${suffix}`;
  return new File([readFileSync(path.join(MENDOZA, name))], name);
};

describe.skipIf(!existsSync(MENDOZA))('an ESPA folder dropped in the app (Mendoza: .xml, L1 band files and surface reflectance)', () => {
  it('lists the .xml as metadata, uses surface reflectance for red and NIR, and lists the L1 bands as unused, also one dropped before', async () => {
    const early = await ingestFiles([mendozaFile('_band4.tif'), mendozaFile('_MTL.txt')]);
    expect(early.inputs.map((r) => r.role)).toEqual(['red']);
    const { inputs, replaced } = await ingestFiles(['.xml', '_band10.tif', '_band5.tif', '_sr_band4.tif', '_sr_band5.tif'].map(mendozaFile));
    expect(replaced).toEqual([early.inputs[0].id]);
    const rows = inputs.map((r) => [r.fileName.slice(21), r.role, r.problem?.code, r.unused?.replace(/ \(.*$/, ''), r.metadata, r.sidecar]);
    // The surface reflectance rows name the xml their scale is read from (they said nothing of it before).
    expect(rows).toEqual([
      ['.xml', 'unknown', undefined, undefined, 'ESPA metadata of LC82320832016040LGN00 (2016-02-09); 5 of its 35 band files are here; 2 surface reflectance (scale 0.0001) used as red, NIR', undefined],
      ['_band10.tif', 'lst', undefined, undefined, undefined, 'calibrated with LC82320832016040LGN00_MTL.txt'],
      ['_band5.tif', 'unknown', undefined, 'unused: LC82320832016040LGN00_sr_band5.tif is the NIR band', undefined, 'calibrated with LC82320832016040LGN00_MTL.txt'],
      ['_sr_band4.tif', 'red', undefined, undefined, undefined, 'scale 0.0001 from LC82320832016040LGN00.xml'],
      ['_sr_band5.tif', 'nir', undefined, undefined, undefined, 'scale 0.0001 from LC82320832016040LGN00.xml'],
      ['_band4.tif', 'unknown', undefined, 'unused: LC82320832016040LGN00_sr_band4.tif is the red band', undefined, 'calibrated with LC82320832016040LGN00_MTL.txt'],
    ]);
    // Each unused L1 band names the surface reflectance file picked over it: the drop list gives the user's choice to it.
    expect(inputs.map((r) => r.unusedBeside)).toEqual([undefined, undefined, 'lc82320832016040lgn00_sr_band5', undefined, undefined, 'lc82320832016040lgn00_sr_band4']);
    // Surface reflectance x 0.0001 as the CLI reads it (README: red 0.016-0.669).
    const cli = (await readDataset(path.join(MENDOZA, 'LC82320832016040LGN00_sr_band4.tif'))).bands[0].raster.data;
    expect(getInput(inputs[3].id).band.raster.data.every((v, i) => Object.is(v, cli[i]))).toBe(true);
    // The L1 band 4 set back to red by hand (the drop list then sends sr_band4 as unknown): the scene takes band 4 for red.
    const roles = (red: string) => inputs.filter((r) => !r.metadata).map((r) => ({ id: r.id, role: r.fileName.endsWith(red) ? ('red' as const) : r.fileName.endsWith('_band4.tif') ? ('unknown' as const) : r.role }));
    expect(previewScene({ inputs: roles('_sr_band4.tif') }).used?.red).toBe('LC82320832016040LGN00_sr_band4.tif');
    expect(previewScene({ inputs: roles('0_band4.tif') }).used?.red).toBe('LC82320832016040LGN00_band4.tif');
  });
});

describe('a dropped file that is not a GeoTIFF (worker input store)', () => {
  it('comes with what to do for its kind as the hint, and none for a text file (the general advice fits)', async () => {
    const file = (name: string, head: string) => new File([head.padEnd(64, ' ')], name);
    const { inputs } = await ingestFiles([file('lst.nc', 'CDF\x01'), file('scene.zip', 'PK\x03\x04'), file('README.md', '# Landsat scene')]);
    const problem = Object.fromEntries(inputs.map((i) => [i.fileName, i.problem]));
    expect(problem['lst.nc']).toMatchObject({
      code: 'NOT_GEOTIFF',
      hint: `Convert the layer you need first, e.g. gdal_translate 'NETCDF:"lst.nc":LST_Day_1km' -b 1 out.tif (list layers with gdalinfo lst.nc).`,
    });
    expect(problem['lst.nc']!.message).toBe(`lst.nc is not a GeoTIFF: it is a netCDF file. ${problem['lst.nc']!.hint}`);
    expect(problem['scene.zip']).toMatchObject({ code: 'NOT_GEOTIFF', hint: 'Unzip it and drop the .tif files inside.' });
    expect(problem['README.md']).toMatchObject({ code: 'NOT_GEOTIFF' });
    expect(problem['README.md']!.hint).toBeUndefined();
  });
});
