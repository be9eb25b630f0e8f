import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../io/dataset.ts';
import { dataPath, readDataset } from '../test-support/data.ts';
import { prepareScene } from './prepare.ts';
import { maskedShareWords } from './mask-report.ts';
import { assembleScene, labelDataset } from './scene-assembly.ts';

const DIR = dataPath('ecostress-l2lste-losangeles-2023-workshop');
const STEM = 'doy2023217182715';
const file = (layer: string) => `ECO_L2_LSTE.002_${layer}_${STEM}_aid0001.tif`;
const python = '/usr/bin/python3';
const hasGdalPython = existsSync(python) && spawnSync(python, ['-c', 'from osgeo import gdal'], { encoding: 'utf8' }).status === 0;

/**
 * GDAL's counts on the 2023-08-05 scene: valid LST pixels (not 0, its nodata); those the product's QC
 * marks bad (mandatory QA cloud or not produced, L1B data bad, LST accuracy > 2 K); and, of the rest,
 * those the water mask sets (neither 0 nor its nodata 255).
 */
function gdalCounts(): { valid: number; qcBad: number; water: number } {
  const r = spawnSync(
    python,
    [
      '-c',
      `from osgeo import gdal
ld, qd, wd = (gdal.Open(${JSON.stringify(DIR)} + '/' + n) for n in ${JSON.stringify([file('LST'), file('QC'), file('water_mask')])})
l, q, w = (d.GetRasterBand(1).ReadAsArray() for d in (ld, qd, wd))
v = l != 0
bad = (q != -99999) & (((q & 3) >= 2) | (((q >> 2) & 3) == 3) | (((q >> 14) & 3) == 0))
kept = v & ~bad
print(int(v.sum()), int((v & bad).sum()), int((kept & (w != 0) & (w != 255)).sum()))`,
    ],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  const [valid, qcBad, water] = r.stdout.trim().split(' ').map(Number);
  return { valid, qcBad, water };
}

describe.skipIf(!existsSync(DIR) || !hasGdalPython)('the ECOSTRESS QC and water mask beside the LST (Los Angeles 2023-08-05)', () => {
  let lst: Dataset;
  let qc: Dataset;
  let water: Dataset;
  beforeAll(async () => {
    [lst, qc, water] = await Promise.all(['LST', 'QC', 'water_mask'].map((l) => readDataset(path.join(DIR, file(l)))));
  });

  it('applies the QC by its ECOSTRESS bits, with the share in the scene note as for a MOD11 QC (before: the QC was applied nowhere)', () => {
    const s = assembleScene([...labelDataset(lst), ...labelDataset(qc)], { mode: 'strict' });
    expect(s.qc?.name).toBe(file('QC'));
    const gdal = gdalCounts();
    // The product marks none of this scene bad; read as a MOD11 QC, its words (LST error bits 6-7 = 3) masked nearly all of it.
    expect(gdal.qcBad).toBe(0);
    expect(s.masks?.qc).toEqual({ valid: gdal.valid, masked: 0, share: 0, name: file('QC') });
    expect(s.notices).toContain(`The QC ${file('QC')} masks none of the ${gdal.valid} valid LST pixels (cloud or poor quality).`);
  });

  it('masks the pixels whose QC word says cloud, not produced or poor LST, as GDAL counts them', () => {
    // The same QC with a band of rows set to "cloud detected" and a band to "LST accuracy > 2 K".
    const q = qc.bands[0].raster.data.slice();
    const w = qc.width;
    for (let i = 100 * w; i < 150 * w; i++) q[i] = (q[i] & ~3) | 2;
    for (let i = 600 * w; i < 610 * w; i++) q[i] = q[i] & 0x3fff;
    const edited: Dataset = { ...qc, bands: [{ ...qc.bands[0], raster: { ...qc.bands[0].raster, data: q } }] };
    const s = assembleScene([...labelDataset(lst), ...labelDataset(edited)], { mode: 'strict' });
    const l = lst.bands[0].raster.data;
    let valid = 0;
    for (let i = 0; i < 150 * w; i++) if (i >= 100 * w && l[i] === l[i]) valid++;
    for (let i = 600 * w; i < 610 * w; i++) if (l[i] === l[i]) valid++;
    expect(valid).toBe(60 * w);
    expect(s.masks!.qc!.masked).toBe(60 * w);
    expect(s.inputs.lstKeep!.subarray(100 * w, 150 * w).every((k) => k === 0)).toBe(true);
    expect(s.inputs.lstKeep!.subarray(150 * w, 600 * w).every((k) => k === 1)).toBe(true);
  });

  it('masks the water mask\'s water from the LST as Fmask water is, and says its share (before: the water mask was applied nowhere)', () => {
    const s = assembleScene([...labelDataset(lst), ...labelDataset(qc), ...labelDataset(water)], { mode: 'strict' });
    const gdal = gdalCounts();
    expect(s.water?.name).toBe(file('water_mask'));
    expect(s.masks?.waterMask).toMatchObject({ valid: gdal.valid - gdal.qcBad, masked: gdal.water });
    // README: 17.3 % water.
    expect(s.masks!.waterMask!.share).toBeCloseTo(0.173, 3);
    expect(s.masks).toMatchObject({ valid: gdal.valid, masked: gdal.qcBad + gdal.water });
    expect(s.notices).toContain(`The water mask ${file('water_mask')} masks ${maskedShareWords(gdal.water, gdal.valid - gdal.qcBad)} (every pixel where it is not 0: water, as Fmask water is masked).`);
    const keep = s.inputs.lstKeep!;
    const wm = water.bands[0].raster.data;
    expect(keep.every((k, i) => k === (wm[i] === 1 ? 0 : 1))).toBe(true);
    const scene = prepareScene(s.inputs, { allowZeroStages: true });
    // The ocean (about 295 K, README) is out of the LST the methods fit: what is left is land.
    let n = 0;
    for (const v of scene.lst.data) if (v === v) n++;
    expect(n).toBe(gdal.valid - gdal.qcBad - gdal.water);
  });

  it('takes the water mask of the LST\'s date before an undated one, whichever was dropped first (before: the first in the drop order)', () => {
    // An undated mask, all water, dropped before the dated one: the date's own mask is the one applied.
    const band = water.bands[0];
    const undated: Dataset = { ...water, fileName: 'undated_water_mask.tif', date: undefined, bands: [{ ...band, raster: { ...band.raster, data: band.raster.data.map(() => 1) } }] };
    for (const order of [
      [undated, water],
      [water, undated],
    ]) {
      const s = assembleScene([...labelDataset(lst), ...order.flatMap((d) => labelDataset(d))], { mode: 'strict' });
      expect(s.water?.name).toBe(file('water_mask'));
      // README: 17.3 % water (the undated mask would have masked all of it).
      expect(s.masks!.waterMask!.share).toBeCloseTo(0.173, 3);
    }
  });

  it('refuses a water mask of another date on the command line and leaves it out with a notice in the app', async () => {
    const other = await readDataset(path.join(DIR, 'ECO_L2_LSTE.002_water_mask_doy2023209214058_aid0001.tif'));
    const bands = [...labelDataset(lst), ...labelDataset(other)];
    expect(() => assembleScene(bands, { mode: 'strict' })).toThrow(/DATE_MISMATCH|water mask of 2023-07-28/);
    const s = assembleScene(bands, { mode: 'lenient' });
    expect(s.water).toBeUndefined();
    expect(s.notices).toContain('ECO_L2_LSTE.002_water_mask_doy2023209214058_aid0001.tif is the water mask of 2023-07-28, the LST ECO_L2_LSTE.002_LST_doy2023217182715_aid0001.tif is of 2023-08-05: the water mask was not applied. Drop the water mask of 2023-08-05.');
  });
});
