import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Raster } from '../core/raster/raster.ts';
import { writeGeoTiff } from '../io/geotiff-write.ts';
import { testGrid, testRaster } from '../pipeline/test-scenes.ts';
import { cancelDuringFirstBlock, runCountingYields } from '../test-support/steps.ts';
import { toDisplay } from './display.ts';
import { convertInputUnits, getInput, ingestFiles } from './inputs.ts';
import { clearLayers, getLayerRaster } from './layers.ts';
import { inputLayer, inputLayerInSteps, previewScene } from './preview.ts';

const dataDir = path.resolve(import.meta.dirname, '../../../shared/data');
const PENN = path.join(dataDir, 'landsat7_pennsylvania_goslee');
const OLINDA = path.join(dataDir, 'olinda-landsat7-dem-stars');

/** The blocker the app shows for a folder dropped whole (every file, roles as detected). */
async function blockerOf(dir: string) {
  const files = readdirSync(dir)
    .filter((n) => /\.tif$/.test(n))
    .map((n) => new File([readFileSync(path.join(dir, n))], n));
  const { inputs } = await ingestFiles(files);
  return { inputs, blocker: previewScene({ inputs: inputs.filter((i) => !i.problem).map((i) => ({ id: i.id, role: i.role })) }).blocker };
}

describe.skipIf(!existsSync(PENN) || !existsSync(OLINDA))('folders with no LST role: the hint says what to do in the app', () => {
  it('Pennsylvania (band-number exports, no metadata): nothing guessed from the values; the hint names the files and how a thermal DN band becomes kelvin', async () => {
    const { inputs, blocker } = await blockerOf(PENN);
    expect(inputs.filter((i) => i.role !== 'unknown').map((i) => [i.fileName, i.role])).toEqual([['dem.tif', 'dem']]);
    expect(blocker?.code).toBe('MISSING_BAND');
    expect(blocker?.hint).toBe(
      'None of the files has the role "lst": set the role of your LST file in the table, or drop one (MOD11A1/MOD11A2 LST, a Landsat thermal band). ' +
        '16 files have no role the app can tell from their names or metadata (july1.tif, july2.tif, july3.tif and 13 more). If one holds LST in kelvin, pick "lst" in its Role column. ' +
        "A thermal band in digital numbers is not kelvin: drop it under its Landsat name (<scene>_B6_VCID_1.TIF, <scene>_B10.TIF) with its scene's <scene>_MTL.txt, and it is read as brightness temperature.",
    );
  });

  it('Olinda (six reflective ETM+ bands and a DEM): the hint says the stack has no thermal band and what to add', async () => {
    const { blocker } = await blockerOf(OLINDA);
    expect(blocker?.code).toBe('MISSING_BAND');
    expect(blocker?.hint).toBe(
      'None of the files has the role "lst": set the role of your LST file in the table, or drop one (MOD11A1/MOD11A2 LST, a Landsat thermal band). ' +
        "L7_ETMs.tif holds Landsat reflective bands only (bands 1, 2, 3, 4, 5, 7), no thermal band: add an LST of the same place and date (the scene's thermal band with its MTL, or a MODIS LST), as these files cannot give one.",
    );
  });
});

describe('an LST in whole degrees Celsius whose role is set by hand', () => {
  // A name that says nothing: read as 'unknown', so no unit check ran when it was read.
  const lst = testRaster(testGrid(16, 16, 1000), (c, r) => 27 + ((c + r) % 16));
  const ndvi = testRaster(testGrid(64, 64, 250), (c, r) => 0.2 + 0.005 * c + 0.003 * r);
  const tif = (r: Raster, name: string) => new File([writeGeoTiff(r).slice()], name);

  it('is said to be degrees Celsius before the run, with the range and the conversion to press; converted only when pressed', async () => {
    const { inputs } = await ingestFiles([tif(lst, 'july_c.tif'), tif(ndvi, 'ndvi.tif')]);
    const [row, guide] = inputs;
    expect([row.role, guide.role]).toEqual(['unknown', 'ndvi']);
    expect(row.problem).toBeUndefined();
    expect(row.lstUnitCandidates).toEqual([{ code: 'C', label: 'degrees Celsius' }]);
    const asLst = [{ id: row.id, role: 'lst' as const }, { id: guide.id, role: 'ndvi' as const }];
    // Before, the preview let it run and the run stopped on 'every LST value is below 150 K: degrees Celsius?'.
    const { blocker } = previewScene({ inputs: asLst });
    expect(blocker).toEqual({
      code: 'BAD_VALUES',
      file: 'july_c.tif',
      message: 'july_c.tif: every value is a whole number from 27 to 42: they look like degrees Celsius, not kelvin.',
      hint: 'Every value is a whole number from 27 to 42: they look like degrees Celsius, not kelvin. To use it as the LST, press “degrees Celsius: convert to K” in its Notes column of the file table (adds 273.15; nothing is converted until you press it).',
    });
    expect(getInput(row.id).band.raster.data[0]).toBe(27);
    const converted = convertInputUnits(row.id, 'C');
    expect(converted).toMatchObject({ convertedFrom: 'degrees Celsius' });
    expect(converted.lstUnitCandidates).toBeUndefined();
    expect(getInput(row.id).band.raster.data[0]).toBeCloseTo(300.15, 4);
    expect(previewScene({ inputs: asLst }).blocker).toBeUndefined();
  });

  it('offers nothing for a file of another kind, and the detected LST keeps its own offer', async () => {
    const { inputs } = await ingestFiles([tif(ndvi, 'ndvi_b.tif'), tif(lst, 'lst_day_c.tif')]);
    expect(inputs[0].lstUnitCandidates).toBeUndefined();
    expect(inputs[1]).toMatchObject({ role: 'lst', unitCandidates: [{ code: 'C', label: 'degrees Celsius' }] });
    expect(inputs[1].lstUnitCandidates).toBeUndefined();
  });
});

describe("the dropped LST's map layer of a large LST (1200 x 1200 pixels)", () => {
  const lst = testRaster(testGrid(1200, 1200, 1000), (c, r) => 290 + ((c * 7 + r * 3) % 30));
  const dropBig = async () => (await ingestFiles([new File([writeGeoTiff(lst).slice()], 'lst_day_big.tif')])).inputs[0];

  it("is reprojected for the map in blocks of rows and gives toDisplay's grid, stored for export once made", async () => {
    const row = await dropBig();
    expect(row.role).toBe('lst');
    expect(runCountingYields(inputLayerInSteps(row.id, [])).yields).toBeGreaterThanOrEqual(2);
    clearLayers();
    const layer = await inputLayer(row.id, []);
    const whole = toDisplay(getInput(row.id).band.raster);
    expect([layer.id, layer.display.width, layer.display.height]).toEqual(['lst-dropped', whole.width, whole.height]);
    expect(layer.display.data.every((v, i) => Object.is(v, whole.data[i]))).toBe(true);
    expect(getLayerRaster('lst-dropped')?.raster).toBe(getInput(row.id).band.raster);
  });

  it('stops with the cancel error after the block of rows during which the cancel came (another LST asked for, a cancel), storing nothing; before, it was reprojected whole', async () => {
    const row = await dropBig();
    clearLayers();
    const { error, blocks } = await cancelDuringFirstBlock(inputLayerInSteps(row.id, []));
    expect(error).toMatchObject({ code: 'CANCELLED' });
    expect(blocks).toBe(1);
    expect(getLayerRaster('lst-dropped')).toBeUndefined();
    const ac = new AbortController();
    const made = inputLayer(row.id, [], ac.signal);
    setTimeout(() => ac.abort(), 0);
    await expect(made).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(getLayerRaster('lst-dropped')).toBeUndefined();
  });
});

const FAYOUM = path.join(dataDir, 'fayoum-egypt-20190704-lst-ndvi-albedo-dem-pywapor');

describe.skipIf(!existsSync(FAYOUM))('a file of another kind set to lst by hand (Fayoum): said for what it is, not degrees Celsius', () => {
  const file = (n: string) => new File([readFileSync(path.join(FAYOUM, n))], n);

  it('a time-of-day, a land mask and an NDVI get no Celsius offer; set as the LST, each is named with its range and the roles to pick', async () => {
    const { inputs } = await ingestFiles([file('Time_20190704.tif'), file('LandMask_2019.tif'), file('NDVI_20190704.tif')]);
    const [time, mask, ndvi] = inputs;
    expect([time.role, mask.role, ndvi.role]).toEqual(['unknown', 'unknown', 'ndvi']);
    // Before, the two unknown files were offered "degrees Celsius: convert to K" (values 10.6-13.8 and 1-3).
    expect(time.lstUnitCandidates).toBeUndefined();
    expect(mask.lstUnitCandidates).toBeUndefined();
    const asLst = (id: string) => previewScene({ inputs: [{ id, role: 'lst' }, ...(id === ndvi.id ? [] : [{ id: ndvi.id, role: 'ndvi' as const }])] }).blocker;
    expect(asLst(time.id)).toEqual({
      code: 'BAD_VALUES',
      file: 'Time_20190704.tif',
      message: 'Time_20190704.tif: the values run from 10.60 to 13.80: they look like a time of day, not a temperature, as its name (Time_20190704) says.',
      hint: 'The values run from 10.60 to 13.80: they look like a time of day, not a temperature, as its name (Time_20190704) says. To run, set its Role back to "unknown", and pick "lst" in the Role column of your LST file (or drop one: MOD11A1/MOD11A2 LST, a Landsat thermal band).',
    });
    expect(asLst(mask.id)?.message).toBe('LandMask_2019.tif: every value is a whole number from 1 to 3: they look like a mask, not a temperature, as its name (LandMask_2019) says.');
    // Before, the preview let the NDVI run and the run stopped on 'they look like degrees Celsius'.
    const b = asLst(ndvi.id);
    expect(b?.message).toBe('NDVI_20190704.tif: the values run from -0.3000 to 0.7952: they look like an NDVI, not a temperature, as its name or metadata (NDVI_20190704) says.');
    expect(b?.hint).toContain('pick "ndvi" back in its Role column, and pick "lst" in the Role column of your LST file');
  });

  it('still offers degrees Celsius for the real LST written in degrees Celsius under a name that does not say LST', async () => {
    const { inputs } = await ingestFiles([file('LST_20190704.tif')]);
    const k = getInput(inputs[0].id).band.raster;
    const c = { ...k, data: k.data.map((v) => v - 273.15) };
    const { inputs: rows } = await ingestFiles([new File([writeGeoTiff(c, { nodata: -9999 }).slice()], 'fayoum_c.tif'), file('NDVI_20190704.tif')]);
    expect(rows[0]).toMatchObject({ role: 'unknown', lstUnitCandidates: [{ code: 'C', label: 'degrees Celsius' }] });
    expect(rows[0].notTemperature).toBeUndefined();
    const blocker = previewScene({ inputs: [{ id: rows[0].id, role: 'lst' }, { id: rows[1].id, role: 'ndvi' }] }).blocker;
    expect(blocker?.message).toMatch(/^fayoum_c\.tif: the values run from 28\.\d+ to 52\.\d+: they look like degrees Celsius, not kelvin\.$/);
  });
});

const ECOSTRESS = path.join(dataDir, 'ecostress-l2lste-losangeles-2023-workshop');
const python = '/usr/bin/python3';
const hasGdalPython = existsSync(python) && spawnSync(python, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

/** GDAL's count of the LST's valid pixels (not 0, its nodata) and of those where the cloud mask is set (neither 0 nor its nodata 255). */
function gdalCloudCount(lst: string, mask: string): { valid: number; masked: number } {
  const r = spawnSync(
    python,
    [
      '-c',
      `from osgeo import gdal
# Each dataset is held while its band is read (a band outliving its dataset crashes GDAL's Python bindings).
ld = gdal.Open(${JSON.stringify(lst)})
md = gdal.Open(${JSON.stringify(mask)})
l = ld.GetRasterBand(1).ReadAsArray()
m = md.GetRasterBand(1).ReadAsArray()
v = l != 0
print(int(v.sum()), int((v & (m != 0) & (m != 255)).sum()))`,
    ],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  const [valid, masked] = r.stdout.trim().split(' ').map(Number);
  return { valid, masked };
}

describe.skipIf(!existsSync(ECOSTRESS))('the ECOSTRESS QC and water mask dropped with their LST (Los Angeles 2023-08-05)', () => {
  it('uses the QC as the LST QC, with its share on the scene line, and masks the water mask\'s water (before: the QC was a generic quality band and neither was used)', async () => {
    const names = ['LST', 'QC', 'water_mask'].map((l) => `ECO_L2_LSTE.002_${l}_doy2023217182715_aid0001.tif`);
    const { inputs } = await ingestFiles(names.map((n) => new File([readFileSync(path.join(ECOSTRESS, n))], n)));
    expect(inputs.map((i) => i.role)).toEqual(['lst', 'lst-qc', 'water-mask']);
    const p = previewScene({ inputs: inputs.map((i) => ({ id: i.id, role: i.role })) });
    expect(p.used).toEqual({ lst: names[0], 'lst-qc': names[1], 'water-mask': names[2] });
    // The product marks none of this scene bad.
    expect([p.qcMaskedShare, p.qcMaskedWords]).toEqual([0, 'none of 1970396 px']);
    expect(p.notices.find((n) => n.startsWith(`The water mask ${names[2]} masks 17 % of the valid LST pixels`))).toBeDefined();
  });
});

describe.skipIf(!existsSync(ECOSTRESS) || !hasGdalPython)('the ECOSTRESS cloud mask dropped with its LST (Los Angeles 2023-08-05)', () => {
  it('says the masked pixels as GDAL counts them, named after the mask file; not "0 %" when some are masked', async () => {
    const names = ['ECO_L2_LSTE.002_LST_doy2023217182715_aid0001.tif', 'ECO_L2_LSTE.002_cloud_mask_doy2023217182715_aid0001.tif'];
    const gdal = gdalCloudCount(path.join(ECOSTRESS, names[0]), path.join(ECOSTRESS, names[1]));
    const { inputs } = await ingestFiles(names.map((n) => new File([readFileSync(path.join(ECOSTRESS, n))], n)));
    expect(inputs.map((i) => i.role)).toEqual(['lst', 'cloud-mask']);
    const p = previewScene({ inputs: inputs.map((i) => ({ id: i.id, role: i.role })) });
    expect(p.used['cloud-mask']).toBe(names[1]);
    // Before: 'masks 0 % of the valid LST pixels' while GDAL counts 4 cloudy pixels among 1970396.
    expect(gdal.masked).toBeGreaterThan(0);
    expect(p.notices).toContain(
      `The cloud mask ${names[1]} masks ${gdal.masked} of the ${gdal.valid} valid LST pixels, under 1 % (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).`,
    );
  });

  it('applies two masks of the date, the cloud mask and the water mask set as one, and names both; before, the first alone was applied', async () => {
    const names = ['ECO_L2_LSTE.002_LST_doy2023217182715_aid0001.tif', 'ECO_L2_LSTE.002_cloud_mask_doy2023217182715_aid0001.tif', 'ECO_L2_LSTE.002_water_mask_doy2023217182715_aid0001.tif'];
    const clouds = gdalCloudCount(path.join(ECOSTRESS, names[0]), path.join(ECOSTRESS, names[1]));
    const water = gdalCloudCount(path.join(ECOSTRESS, names[0]), path.join(ECOSTRESS, names[2]));
    const { inputs } = await ingestFiles(names.map((n) => new File([readFileSync(path.join(ECOSTRESS, n))], n)));
    const p = previewScene({ inputs: inputs.map((i, k) => ({ id: i.id, role: k === 0 ? 'lst' : 'cloud-mask' })) });
    expect(p.used['cloud-mask']).toBe(`${names[1]} + ${names[2]}`);
    // Both count as taken by the date (its input ids); before, the first mask alone did.
    expect(p.scenes.map((g) => g.inputIds?.['cloud-mask'])).toEqual([[inputs[1].id, inputs[2].id]]);
    // The cloud mask's 4 pixels are inland (GDAL: none of them water), so together they mask the sum.
    const both = clouds.masked + water.masked;
    expect(water.masked).toBeGreaterThan(0.1 * water.valid);
    const notice = p.notices.find((n) => n.startsWith('The cloud masks'));
    expect(notice).toContain(`The cloud masks ${names[1]} and ${names[2]} mask ${Math.round((100 * both) / water.valid)} % of the valid LST pixels together: an LST pixel is masked where any of them says it is not clear. ${names[1]} alone ${clouds.masked} of the ${clouds.valid} valid LST pixels, under 1 %`);
  });
});

describe.skipIf(!existsSync(ECOSTRESS))('an undated cloud mask beside one of the LST\'s date (Los Angeles 2023-08-05)', () => {
  it('is applied with it, as every cloud mask that does not say another date is', async () => {
    const dir = (n: string) => readFileSync(path.join(ECOSTRESS, n));
    const lst = 'ECO_L2_LSTE.002_LST_doy2023217182715_aid0001.tif';
    const dated = 'ECO_L2_LSTE.002_cloud_mask_doy2023217182715_aid0001.tif';
    const { inputs } = await ingestFiles([new File([dir(lst)], lst), new File([dir(dated)], dated), new File([dir('ECO_L2_LSTE.002_water_mask_doy2023217182715_aid0001.tif')], 'coast_cloud_mask.tif')]);
    expect(inputs.map((i) => [i.role, i.date])).toEqual([['lst', '2023-08-05'], ['cloud-mask', '2023-08-05'], ['cloud-mask', undefined]]);
    const p = previewScene({ inputs: inputs.map((i) => ({ id: i.id, role: i.role })) });
    expect(p.used['cloud-mask']).toBe(`${dated} + coast_cloud_mask.tif`);
    // The date's input ids name both masks it applies; before, the first mask only.
    expect(p.scenes.map((g) => g.inputIds?.['cloud-mask'])).toEqual([[inputs[1].id, inputs[2].id]]);
  });
});

const DHAKA = path.join(dataDir, 'dhaka-mod11a2-mod13q1-2024-citypath');
describe.skipIf(!existsSync(DHAKA))('which date an undated guide goes with (Dhaka, two dates, a dated and an undated NDVI)', () => {
  it("names per date the input the date's scene takes, so the drop list can say which date the undated file is paired with", async () => {
    const read = (dir: string, name: string, as = name) => new File([readFileSync(path.join(DHAKA, dir, name))], as);
    const { inputs } = await ingestFiles([
      read('MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024097000000_aid0001.tif'),
      read('MOD11A2.061', 'MOD11A2.061_LST_Day_1km_doy2024113000000_aid0001.tif'),
      read('MOD13Q1.061', 'MOD13Q1.061__250m_16_days_NDVI_doy2024097000000_aid0001.tif'),
      read('MOD13Q1.061', 'MOD13Q1.061__250m_16_days_NDVI_doy2024113000000_aid0001.tif', 'ndvi_mean.tif'),
    ]);
    const [lst1, lst2, dated, undated] = inputs;
    expect([lst1.date, lst2.date, dated.date, undated.date]).toEqual(['2024-04-06', '2024-04-22', '2024-04-06', undefined]);
    expect(undated.role).toBe('ndvi');
    const p = previewScene({ inputs: inputs.map((i) => ({ id: i.id, role: i.role })) });
    // The 16-day NDVI of 2024-04-06 covers the first LST's period, not the second's (a day after it ends): the undated one stands in there.
    expect(p.scenes.map((g) => [g.id, g.inputIds])).toEqual([
      ['2024-04-06', { lst: [lst1.id], ndvi: [dated.id] }],
      ['2024-04-22', { lst: [lst2.id], ndvi: [undated.id] }],
    ]);
    const one = previewScene({ inputs: [lst1, dated, undated].map((i) => ({ id: i.id, role: i.role })) });
    expect(one.scenes.map((g) => [g.id, g.inputIds])).toEqual([['2024-04-06', { lst: [lst1.id], ndvi: [dated.id] }]]);
  });
});

describe.skipIf(!existsSync(DHAKA))('QC files none of which is of the LST\'s date (Dhaka MOD11A2)', () => {
  it('warns in the scene panel that no QC was applied, and what to drop or set in the app; before, it was a notice the panel did not show', async () => {
    const read = (name: string) => new File([readFileSync(path.join(DHAKA, 'MOD11A2.061', name))], name);
    const { inputs } = await ingestFiles(
      ['LST_Day_1km_doy2024089', 'QC_Day_doy2024097', 'QC_Day_doy2024105'].map((l) => read(`MOD11A2.061_${l}000000_aid0001.tif`)),
    );
    expect(inputs.map((i) => [i.role, i.date])).toEqual([['lst', '2024-03-29'], ['lst-qc', '2024-04-06'], ['lst-qc', '2024-04-14']]);
    const p = previewScene({ inputs: inputs.map((i) => ({ id: i.id, role: i.role })) });
    expect(p.used['lst-qc']).toBeUndefined();
    expect(p.qcMaskedShare).toBeUndefined();
    expect(p.warnings).toContain(
      'None of the 2 QC files matches MOD11A2.061_LST_Day_1km_doy2024089000000_aid0001.tif (same product, date and day/night); no QC was applied. ' +
        'Drop the day QC file of 2024-03-29, or pick "lst-qc" in the Role column of that file if it is in the table with another role.',
    );
  });
});
