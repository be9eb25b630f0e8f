import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODIS_SINUSOIDAL } from '../core/geo/crs.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { reprojectedGrid, reprojectRaster } from '../core/raster/reproject.ts';
import type { Raster } from '../core/raster/raster.ts';
import { readDataset } from '../test-support/data.ts';
import { arrayBytesAtFirstStep } from '../test-support/steps.ts';
import { CLOUD_SHARE_LIMIT, cloudOnLstGridInSteps, cloudReading, samplesPerLstPixel } from './cloud-mask.ts';
import { assembleScene, labelDataset, type LabelledBand } from './scene-assembly.ts';

const CHIAPAS = path.resolve(__dirname, '../../../shared/data/landsat7_chiapas_opengeotutorial/LE70220492002106EDC00_stack.gtif');

describe('cloudReading', () => {
  it('reads Landsat quality bands by their bits and anything else as not clear where not 0', () => {
    expect(cloudReading('l8_BQA', Float32Array.of(20480, 61440)).kind).toBe('landsat-bqa-pre-collection');
    expect(cloudReading('LC08_L1TP_020039_20150804_20170406_01_T1_BQA.TIF', Float32Array.of(2720, 2800)).kind).toBe('landsat-bqa-collection-1');
    expect(cloudReading('LC08_L2SP_020039_20150804_20200908_02_T1_QA_PIXEL.TIF', Float32Array.of(21824)).kind).toBe('landsat-qa-pixel');
    expect(cloudReading('stack.gtif [band 8: Band 8]', Float32Array.of(0, 4)).kind).toBe('nonzero');
  });
});

describe('samplesPerLstPixel', () => {
  const crs = { epsg: 32615, proj4: '+proj=utm +zone=15 +datum=WGS84 +units=m +no_defs', name: 'UTM 15N', isGeographic: false };
  const grid = (px: number) => ({ width: 10, height: 10, transform: [0, px, 0, 0, 0, -px] as const, crs });
  it('is the side ratio rounded up for a finer mask and 1 for a mask of the LST size or coarser', () => {
    expect(samplesPerLstPixel(grid(30), grid(1000))).toBe(34);
    expect(samplesPerLstPixel(grid(30), grid(300))).toBe(10);
    expect(samplesPerLstPixel(grid(1000), grid(1000))).toBe(1);
    expect(samplesPerLstPixel(grid(990), grid(1000))).toBe(1);
    expect(samplesPerLstPixel(grid(2000), grid(1000))).toBe(1);
    expect(samplesPerLstPixel(grid(1), grid(1000))).toBe(64);
  });

  it('measures a mask in another CRS by the area of its pixels there, not by its sheared bounding box (30 m UTM 16N under 926.6 m sinusoidal at 30° N: 31)', () => {
    const utm = { ...crs, epsg: 32616, proj4: '+proj=utm +zone=16 +datum=WGS84 +units=m +no_defs', name: 'UTM 16N' };
    const mask = { width: 3000, height: 3000, transform: [452475, 30, 0, 3408645, 0, -30] as const, crs: utm };
    const PX = 926.625433055833;
    expect(samplesPerLstPixel(mask, { width: 1200, height: 1200, transform: [-8395604.157, PX, 0, 3435851.559, 0, -PX], crs: MODIS_SINUSOIDAL })).toBe(31);
  });
});

describe('cloudOnLstGridInSteps memory', () => {
  const crs = { epsg: 32615, proj4: '+proj=utm +zone=15 +datum=WGS84 +units=m +no_defs', name: 'UTM 15N', isGeographic: false };
  const mask: Raster = { width: 3000, height: 3000, transform: [400000, 30, 0, 2000000, 0, -30], crs, data: new Float32Array(3000 * 3000).fill(2720) };
  const band = { key: 'bqa', name: 'LC08_BQA.TIF', role: 'cloud-mask', band: { name: 'BQA', raster: mask } } as unknown as LabelledBand;

  it('reads a finer mask where it samples it, without a copy: under 1 byte per mask pixel of arrays at its first step; before, a float32 copy of the mask (4 bytes per pixel) and a horizontal pass of all its rows', () => {
    const lst: Raster = { width: 90, height: 90, transform: [400000, 1000, 0, 2000000, 0, -1000], crs, data: new Float32Array(90 * 90).fill(300) };
    expect(arrayBytesAtFirstStep(cloudOnLstGridInSteps(lst, band))).toBeLessThan(mask.data.length);
  });
});

/** The Chiapas 2002 stack with its LST averaged to `factor` x 30 m and band 8 (Fmask, 30 m) set as the cloud mask. */
async function chiapasCoarse(factor: number): Promise<{ bands: LabelledBand[]; fmask: Raster; lst: Raster }> {
  const ds = await readDataset(CHIAPAS);
  const all = labelDataset(ds);
  const lst = aggregateMean(all[6].band.raster, factor);
  const bands = [{ ...all[6], band: { ...all[6].band, raster: lst } }, { ...all[7], role: 'cloud-mask' as const }];
  return { bands, fmask: all[7].band.raster, lst };
}

/** Share of Fmask != 0 in each `factor` x `factor` block, counted on the array. */
function blockShares(fmask: Raster, factor: number): number[] {
  const n = fmask.width / factor;
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let cloudy = 0;
      for (let i = 0; i < factor; i++) for (let j = 0; j < factor; j++) if (fmask.data[(r * factor + i) * fmask.width + c * factor + j] !== 0) cloudy++;
      out.push(cloudy / (factor * factor));
    }
  }
  return out;
}

describe.skipIf(!existsSync(CHIAPAS))('a cloud mask finer than the LST (Chiapas 2002 Fmask, 30 m, under its LST averaged to 300 m)', () => {
  it('masks an LST pixel when more than 5 % of the mask pixels under it are not clear, and says the rule; before, the one mask pixel at its centre decided', async () => {
    const { bands, fmask } = await chiapasCoarse(10);
    const s = assembleScene(bands, { mode: 'strict' });
    const shares = blockShares(fmask, 10);
    const keep = s.inputs.lstKeep!;
    expect(Array.from(keep)).toEqual(shares.map((x) => (x > CLOUD_SHARE_LIMIT ? 0 : 1)));
    // GDAL (gdalwarp -r average of Fmask != 0 onto the 300 m grid): 221 of the 625 pixels over 5 %, 5 more with some cloud kept
    // (2 of them at exactly 5 %); the centre pixel alone masked 170 and disagreed with the share on 51.
    expect(s.masks!.cloudMask).toMatchObject({ valid: 625, masked: 221 });
    expect(s.notices).toContain(
      'The cloud mask LE70220492002106EDC00_stack.gtif [band 8: Band 8] masks 35 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow). It has finer pixels than the LST (30 m mask pixels under 300 m LST pixels): an LST pixel is masked when more than 5 % of the mask pixels under it are not clear, as a thin cloud edge already makes a coarse pixel read too cold. 5 LST pixels with a smaller not-clear share under them are kept.',
    );
  });

  it('keeps the nearest mask pixel for a mask of the LST size (the 30 m LST: keep = Fmask == 0)', async () => {
    const { bands, fmask } = await chiapasCoarse(1);
    const s = assembleScene(bands, { mode: 'strict' });
    expect(s.inputs.lstKeep!.every((k, i) => k === (fmask.data[i] === 0 ? 1 : 0))).toBe(true);
    expect(s.masks!.cloudMask!.masked).toBe(16804);
  });
});

const PENSACOLA = path.resolve(__dirname, '../../../shared/data/landsat8-l1-pensacola-20150804-sattestdata');

/** GDAL's share of BQA cloud confidence >= 2 (medium or high) under each pixel of `grid` (gdalwarp -r average), -1 where it has none. */
function gdalBqaShares(grid: Raster): number[] {
  const t = grid.transform;
  const bounds = [t[0], t[3] + grid.height * t[5], t[0] + grid.width * t[1], t[3]].join(',');
  const script = [
    'from osgeo import gdal; import numpy as np, sys',
    'gdal.UseExceptions()',
    `ds = gdal.Open('${PENSACOLA}/l8_BQA.tif'); a = ds.ReadAsArray().astype(np.int64)`,
    "m = gdal.GetDriverByName('MEM').Create('', ds.RasterXSize, ds.RasterYSize, 1, gdal.GDT_Float32)",
    'm.SetGeoTransform(ds.GetGeoTransform()); m.SetProjection(ds.GetProjection()); m.GetRasterBand(1).WriteArray((((a >> 14) & 3) >= 2).astype(np.float32))',
    `o = gdal.Warp('', m, format='MEM', dstSRS='${grid.crs.proj4}', outputBounds=(${bounds}), width=${grid.width}, height=${grid.height}, resampleAlg='average', dstNodata=-1)`,
    "sys.stdout.write(' '.join('%.6f' % v for v in o.ReadAsArray().ravel()))",
  ].join('\n');
  return execFileSync('/usr/bin/python3', ['-c', script]).toString().split(' ').map(Number);
}

const hasOsgeo = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import osgeo'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!existsSync(PENSACOLA) || !hasOsgeo)('a Landsat BQA under a MODIS-like LST (Pensacola 2015-08-04: BQA 30 m UTM, B10 reprojected to 926 m sinusoidal)', () => {
  it('reads the pre-Collection BQA by its cloud confidence and masks by the share under each LST pixel as GDAL averages it; before, it masked every pixel (clear is 20480, not 0)', async () => {
    const b10 = labelDataset(await readDataset(path.join(PENSACOLA, 'l8_B10.tif')))[0];
    const bqa = labelDataset(await readDataset(path.join(PENSACOLA, 'l8_BQA.tif')))[0];
    const grid = reprojectedGrid(b10.band.raster, MODIS_SINUSOIDAL, { pixelSize: 926.625433055833 });
    const lst = reprojectRaster(b10.band.raster, grid, 'bilinear');
    // Detected as a cloud mask by its name, as when the folder is dropped in the app (before: 'qc', applied nowhere).
    expect(bqa.role).toBe('cloud-mask');
    const s = assembleScene([{ ...b10, band: { ...b10.band, raster: lst } }, bqa], { mode: 'strict' });
    const gdal = gdalBqaShares(lst);
    const keep = s.inputs.lstKeep!;
    let valid = 0;
    let agree = 0;
    let gdalMasked = 0;
    for (let i = 0; i < keep.length; i++) {
      if (lst.data[i] !== lst.data[i]) continue;
      valid++;
      const masked = gdal[i] > CLOUD_SHARE_LIMIT;
      if (masked) gdalMasked++;
      if (keep[i] === (masked ? 0 : 1)) agree++;
      else expect(Math.abs(gdal[i] - CLOUD_SHARE_LIMIT)).toBeLessThan(0.02);
    }
    // GDAL masks 184 of the 404 valid pixels; sampled at 31 x 31 points per pixel, 10 pixels whose share GDAL puts within 2 % of the 5 % limit fall the other way.
    expect([valid, gdalMasked]).toEqual([404, 184]);
    expect(agree / valid).toBeGreaterThan(0.97);
    expect(s.masks!.cloudMask!.masked).toBeGreaterThan(0.95 * gdalMasked);
    expect(s.masks!.cloudMask!.masked).toBeLessThan(1.05 * gdalMasked);
    expect(s.notices[0]).toMatch(/^The cloud mask l8_BQA\.tif masks 4\d % of the valid LST pixels \(where its cloud confidence is medium or high, read as a pre-Collection Landsat 8 BQA\)\. It has finer pixels than the LST: an LST pixel is masked when more than 5 % of the mask pixels under it are not clear/);
  });
});

describe.skipIf(!existsSync(CHIAPAS))('several cloud masks of the LST date (Chiapas 2002 Fmask split into a cloud file and a shadow file)', () => {
  it('masks a pixel where either says not clear and names both; before, only the first was applied', async () => {
    const ds = await readDataset(CHIAPAS);
    const all = labelDataset(ds);
    const fmask = all[7].band.raster;
    const part = (cls: number, file: string): LabelledBand => ({
      ...all[7],
      name: file,
      role: 'cloud-mask',
      dataset: { ...all[7].dataset, fileName: file },
      band: { ...all[7].band, raster: { ...fmask, data: fmask.data.map((v) => (v === cls ? 1 : 0)) } },
    });
    const s = assembleScene([all[6], part(4, 'cloud.tif'), part(2, 'shadow.tif')], { mode: 'strict' });
    // GDAL: 12663 cloud (4) and 4141 shadow (2) of 62500; together Fmask != 0, 16804.
    expect(s.masks!.cloudMask).toMatchObject({ valid: 62500, masked: 16804 });
    expect(s.inputs.lstKeep!.every((k, i) => k === (fmask.data[i] === 0 ? 1 : 0))).toBe(true);
    expect(s.clouds!.map((b) => b.name)).toEqual(['cloud.tif', 'shadow.tif']);
    expect(s.notices).toContain(
      'The cloud masks cloud.tif and shadow.tif mask 27 % of the valid LST pixels together: an LST pixel is masked where any of them says it is not clear. cloud.tif alone 20 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow); shadow.tif alone 7 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).',
    );
  });

  it('uses the mask of the LST date beside one of another date and names both; before, the other was left out without a word', async () => {
    const lst2002 = labelDataset(await readDataset(CHIAPAS));
    const old = labelDataset(await readDataset(CHIAPAS.replace('LE70220492002106EDC00', 'LE70220491999322EDC01')));
    const bands = [lst2002[6], { ...old[7], role: 'cloud-mask' as const }, { ...lst2002[7], role: 'cloud-mask' as const }];
    const s = assembleScene(bands, { mode: 'strict', maxDateGapDays: 9999 });
    expect(s.cloud?.name).toBe('LE70220492002106EDC00_stack.gtif [band 8: Band 8]');
    expect(s.masks!.cloudMask!.masked).toBe(16804);
    expect(s.notices).toContain(
      'LE70220491999322EDC01_stack.gtif [band 8: stack] (1999-11-18) is a cloud mask of another date than the LST LE70220492002106EDC00_stack.gtif [band 7: band 6 temperature] (2002-04-16) and was not applied; the cloud mask of 2002-04-16, LE70220492002106EDC00_stack.gtif [band 8: Band 8], was used.',
    );
  });
});
