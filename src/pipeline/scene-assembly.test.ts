import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import type { Dataset } from '../io/dataset.ts';
import { NOT_ZERO_WORDS } from './cloud-mask.ts';
import { prepareScene } from './prepare.ts';
import { cropRaster } from '../core/raster/tiling.ts';
import { readDataset } from '../test-support/data.ts';
import { hasGdal } from '../test-support/gdal.ts';
import { assembleScene, assembleSceneAsync, compositeDays, daysBetween, groupScenes, labelDataset, periodGapDays, type LabelledBand } from './scene-assembly.ts';

const DHAKA = path.resolve(__dirname, '../../../shared/data/dhaka-mod11a2-mod13q1-2024-citypath');
const lstFile = (doy: string) => `MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024${doy}000000_aid0001.tif`;
const qcFile = (doy: string) => `MOD11A2.061/MOD11A2.061_QC_Day_doy2024${doy}000000_aid0001.tif`;
const H14V09_LST = path.resolve(DHAKA, '../mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif');
const ndviFile = (doy: string) => `MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024${doy}000000_aid0001.tif`;

function thrown(f: () => unknown): AppError {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('daysBetween', () => {
  it('counts whole days between ISO dates either way round, and is undefined for an unknown date', () => {
    expect(daysBetween('2024-04-06', '2024-06-17')).toBe(72);
    expect(daysBetween('2024-06-17', '2024-04-06')).toBe(72);
    expect(daysBetween('2024-12-31', '2025-01-01')).toBe(1);
    expect(daysBetween(undefined, '2024-01-01')).toBeUndefined();
  });
});

describe('composite periods', () => {
  it('counts a 16-day NDVI composite as covering the LST day inside it, and an 8-day LST composite its 8 days', () => {
    const band = (product: string, date: string) => ({ dataset: { product, date } }) as unknown as LabelledBand;
    expect(compositeDays('MOD13Q1')).toBe(16);
    expect(compositeDays('MOD11A2')).toBe(8);
    expect(compositeDays('MOD11A1')).toBe(1);
    expect(periodGapDays(band('MOD11A1', '2025-06-21'), band('MOD13Q1', '2025-06-10'))).toBe(0);
    expect(periodGapDays(band('MOD11A1', '2025-06-27'), band('MOD13Q1', '2025-06-10'))).toBe(2);
    expect(periodGapDays(band('MOD11A2', '2024-04-06'), band('MOD13Q1', '2024-05-24'))).toBe(41);
    expect(periodGapDays(band('MOD11A1', '2024-04-06'), band('MOD11A1', undefined as unknown as string))).toBeUndefined();
  });

  it('counts a yearly MCD12Q1 land cover as covering its whole year, so a July LST takes that year and not the next', () => {
    const band = (product: string, date: string) => ({ dataset: { product, date } }) as unknown as LabelledBand;
    expect(compositeDays('MCD12Q1')).toBe(365);
    expect(periodGapDays(band('MOD11A2', '2005-07-20'), band('MCD12Q1', '2005-01-01'))).toBe(0);
    expect(periodGapDays(band('MOD11A2', '2005-07-20'), band('MCD12Q1', '2006-01-01'))).toBe(158);
  });
});

describe.skipIf(!existsSync(DHAKA))('scene assembly on the Dhaka AppEEARS folders', () => {
  const cache = new Map<string, Dataset>();
  let all: LabelledBand[] = [];
  const bandsOf = (...files: string[]): LabelledBand[] => files.flatMap((f) => labelDataset(cache.get(f)!));
  beforeAll(async () => {
    for (const dir of ['MOD11A2.061', 'MOD13Q1.061']) {
      for (const name of readdirSync(path.join(DHAKA, dir))) {
        const rel = `${dir}/${name}`;
        cache.set(rel, await readDataset(path.join(DHAKA, rel)));
      }
    }
    all = [...cache.keys()].flatMap((f) => labelDataset(cache.get(f)!));
  });

  it('groups a whole folder of many dates into one scene per LST date, earliest first', () => {
    const groups = groupScenes(all);
    expect(groups.map((g) => g.id)).toEqual(
      ['089', '097', '105', '113', '121', '129', '137', '145', '153', '169'].map((doy) =>
        new Date(Date.UTC(2024, 0, Number(doy))).toISOString().slice(0, 10),
      ),
    );
    expect(groups[0].lstNames).toEqual([path.basename(lstFile('089'))]);
  });

  it('assembles the picked date with its own QC and the NDVI nearest in date, and says which dates exist', () => {
    const lenient = assembleScene(all, { mode: 'lenient' });
    expect(lenient.group.id).toBe('2024-03-29');
    expect(lenient.notices[0]).toMatch(/10 dates .*showing 2024-03-29\. Pick another date above the file table/);
    const s = assembleScene(all, { mode: 'lenient', sceneId: '2024-04-06' });
    expect(s.lst.name).toBe(path.basename(lstFile('097')));
    expect(s.qc?.name).toBe(path.basename(qcFile('097')));
    expect(s.aux.ndvi?.name).toBe(path.basename(ndviFile('097')));
    expect(s.dateGaps).toEqual([]);
    expect(s.masks!.qc!.valid).toBeGreaterThan(2000);
    expect(s.masks!.qc!.share).toBeLessThan(0.05);
    // VI_Quality has role qc, not lst-qc: never taken for the LST's QC.
    expect(s.qc?.band.role).toBe('lst-qc');
    const scene = prepareScene(s.inputs);
    expect(scene.stages).toBe(2);
  });

  it('never applies a QC of another date: lenient leaves it out with a notice, strict refuses', () => {
    const bands = bandsOf(lstFile('097'), qcFile('169'), ndviFile('145'));
    const s = assembleScene(bands, { mode: 'lenient' });
    expect(s.qc).toBeUndefined();
    expect(s.inputs.lstKeep).toBeUndefined();
    expect(s.notices.join('\n')).toMatch(/QC_Day_doy2024169.* is the QC of 2024-06-17, the LST .*doy2024097.* is of 2024-04-06: the QC was not applied\. Drop the QC file of 2024-04-06/);
    // NDVI 2024-05-24 is 41 days from the LST: a warning with the file, the dates and what to do.
    expect(s.dateGaps).toEqual([{ name: path.basename(ndviFile('145')), role: 'ndvi', date: '2024-05-24', days: 41 }]);
    expect(s.notices.join('\n')).toMatch(/NDVI_doy2024145.* is dated 2024-05-24, 41 days from the LST \(2024-04-06;.*Drop a NDVI file within 8 days/);
    const e = thrown(() => assembleScene(bands, { mode: 'strict' }));
    expect(e.code).toBe('DATE_MISMATCH');
    expect(e.message).toMatch(/QC_Day_doy2024169.*2024-06-17.*2024-04-06/);
  });

  it('in strict mode refuses a guide more than the allowed gap away, naming the option that allows it', () => {
    const bands = bandsOf(lstFile('097'), qcFile('097'), ndviFile('145'));
    const e = thrown(() => assembleScene(bands, { mode: 'strict' }));
    expect(e.code).toBe('DATE_MISMATCH');
    expect(e.message).toMatch(/NDVI_doy2024145.*41 days .*--max-date-gap 41/);
    expect(assembleScene(bands, { mode: 'strict', maxDateGapDays: 41 }).dateGaps).toEqual([]);
    // 8 days (the composite period) passes by default.
    expect(assembleScene(bandsOf(lstFile('089'), ndviFile('081')), { mode: 'strict' }).dateGaps).toEqual([]);
  });

  it('measures the QC masked share before any run and warns when most pixels go', () => {
    // DOY 153 is a monsoon composite: its own QC rejects much of the LST.
    const s = assembleScene(bandsOf(lstFile('153'), qcFile('153'), ndviFile('145')), { mode: 'lenient' });
    expect(s.qc).toBeDefined();
    const keep = s.inputs.lstKeep!;
    const lst = s.lst.band.raster.data;
    let valid = 0;
    let masked = 0;
    for (let i = 0; i < lst.length; i++) if (lst[i] === lst[i]) {
      valid++;
      if (!keep[i]) masked++;
    }
    expect(s.masks).toEqual({ valid, masked, share: masked / valid, qc: { valid, masked, share: masked / valid, name: s.qc!.name } });
    // One note says it, from the counts; the app shows it before the run only when most pixels go.
    const note = s.notices.filter((n) => n.startsWith(`The QC ${s.qc!.name} masks `));
    expect(note).toHaveLength(1);
    expect(s.warnings.includes(note[0])).toBe(masked / valid > 0.5);
    expect(note[0].endsWith('Pick a clearer date if you can.')).toBe(masked / valid > 0.5);
  });

  it('uses the role the user gave, not the detected one, and fails plainly without an LST', () => {
    const bands = bandsOf(lstFile('097'), ndviFile('097')).map((b) => ({ ...b, role: b.role === 'lst' ? ('unknown' as const) : b.role }));
    const e = thrown(() => assembleScene(bands, { mode: 'lenient' }));
    expect(e.code).toBe('MISSING_BAND');
    expect(e.message).toMatch(/No LST among the inputs: .*doy2024097.* \(unknown\)/);
  });

  it.skipIf(!existsSync(H14V09_LST))('leaves out a guide of another place with a notice naming it (no date-gap advice), and strict refuses it as NO_OVERLAP', async () => {
    const far = labelDataset(await readDataset(H14V09_LST));
    const bands = [...bandsOf(lstFile('097'), ndviFile('097')), ...far];
    const s = assembleScene(bands, { mode: 'lenient', sceneId: '2019-11-01 h14v09' });
    expect(s.lst.name).toBe(path.basename(H14V09_LST));
    expect(s.aux.ndvi).toBeUndefined();
    expect(s.inputs.aux.ndvi).toBeUndefined();
    expect(s.dateGaps).toEqual([]);
    expect(s.notices.join('\n')).toMatch(/NDVI_doy2024097.* \(ndvi\) covers another place than the LST MOD11A1\.A2019305\.h14v09.*: it was left out of this scene\. Drop an NDVI file of the same area/);
    // The Dhaka date keeps its own NDVI.
    expect(assembleScene(bands, { mode: 'lenient', sceneId: '2024-04-06' }).aux.ndvi?.name).toBe(path.basename(ndviFile('097')));
    const e = thrown(() => assembleScene([...far, ...bandsOf(ndviFile('097'))], { mode: 'strict', maxDateGapDays: 5000 }));
    expect(e.code).toBe('NO_OVERLAP');
    expect(e.message).toMatch(/The LST MOD11A1\.A2019305.* and .*NDVI_doy2024097.* \(ndvi\) do not overlap: they cover different places\. Give an NDVI file of the same area/);
  });

  it('in strict mode refuses files of several dates instead of picking one', () => {
    const e = thrown(() => assembleScene(bandsOf(lstFile('097'), lstFile('113')), { mode: 'strict' }));
    expect(e.code).toBe('BAD_ARGUMENT');
    expect(e.message).toMatch(/2 dates \(2024-04-06, 2024-04-22\)/);
  });
});

const CHIAPAS = path.resolve(__dirname, '../../../shared/data/landsat7_chiapas_opengeotutorial');
describe.skipIf(!existsSync(CHIAPAS))('a cloud mask applied to the LST (Chiapas 2002 stack, band 8 = Fmask per its README)', () => {
  it('says a mask that is clear wherever the LST is valid masks none of its pixels (before: "0 %")', async () => {
    const ds = await readDataset(path.join(CHIAPAS, 'LE70220492002106EDC00_stack.gtif'));
    const bands = labelDataset(ds).map((b, i) => (i === 7 ? { ...b, role: 'cloud-mask' as const, band: { ...b.band, raster: { ...b.band.raster, data: b.band.raster.data.map(() => 0) } } } : b));
    const s = assembleScene(bands, { mode: 'strict' });
    expect(s.masks!.cloudMask).toMatchObject({ masked: 0, valid: 62500 });
    expect(s.notices).toContain('The cloud mask LE70220492002106EDC00_stack.gtif [band 8: Band 8] masks none of the 62500 valid LST pixels: it is 0 (clear) or nodata wherever the LST is valid.');
  });

  it('masks the LST wherever the band set as cloud mask is not 0 (README: 20 % cloud + 7 % shadow), and says so; before, a cloud-mask band was never applied', async () => {
    const ds = await readDataset(path.join(CHIAPAS, 'LE70220492002106EDC00_stack.gtif'));
    const bands = labelDataset(ds);
    expect(bands.map((b) => b.role)).toEqual(['blue', 'green', 'red', 'nir', 'swir', 'swir2', 'lst', 'unknown']);
    const plain = assembleScene(bands, { mode: 'strict' });
    expect([plain.inputs.lstKeep, plain.cloud]).toEqual([undefined, undefined]);
    const withMask = bands.map((b, i) => (i === 7 ? { ...b, role: 'cloud-mask' as const } : b));
    const s = assembleScene(withMask, { mode: 'strict' });
    const fmask = ds.bands[7].raster.data;
    const keep = s.inputs.lstKeep!;
    expect(keep.every((k, i) => k === (fmask[i] === 0 ? 1 : 0))).toBe(true);
    expect(s.cloud?.name).toBe('LE70220492002106EDC00_stack.gtif [band 8: Band 8]');
    expect(s.masks!.cloudMask!.share).toBeCloseTo(0.27, 2);
    // The scene's note names the cloud mask, not a QC (none was given); GDAL counts 16804 of 62500 (Fmask != 0).
    const note = 'The cloud mask LE70220492002106EDC00_stack.gtif [band 8: Band 8] masks 27 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow).';
    expect(s.notices).toContain(note);
    expect(s.warnings).toContain(note);
    // One note for one fact: before, preparing the scene added 'The cloud mask removed 16804 of the 62500 valid LST pixels.'
    const notes = [...s.notices, ...prepareScene(s.inputs, { referenceFactor: 4 }).notes];
    expect(notes.filter((n) => n.includes('valid LST pixels'))).toEqual([note]);
    expect(notes.join('\n')).not.toContain('QC');
    // The 1999 mask (all clear) beside the 2002 LST: refused in strict mode, left out with a notice in the app.
    const old = (await readDataset(path.join(CHIAPAS, 'LE70220491999322EDC01_stack.gtif')));
    const oldMask = labelDataset(old).filter((_, i) => i === 7).map((b) => ({ ...b, role: 'cloud-mask' as const }));
    const lstOnly = [...bands.slice(0, 7), ...oldMask];
    expect(thrown(() => assembleScene(lstOnly, { mode: 'strict', maxDateGapDays: 9999 })).code).toBe('DATE_MISMATCH');
    const lenient = assembleScene(lstOnly, { mode: 'lenient', maxDateGapDays: 9999 });
    expect(lenient.inputs.lstKeep).toBeUndefined();
    expect(lenient.notices.join('\n')).toContain('is the cloud mask of 1999-11-18, the LST LE70220492002106EDC00_stack.gtif [band 7: band 6 temperature] is of 2002-04-16: the cloud mask was not applied. Drop the cloud mask of 2002-04-16.');
  });

  it.skipIf(!hasGdal())('counts what the Fmask band takes as GDAL does (valid LST, then Fmask != 0 among it)', async () => {
    const file = path.join(CHIAPAS, 'LE70220492002106EDC00_stack.gtif');
    const code = `from osgeo import gdal\nd = gdal.Open(${JSON.stringify(file)})\nl = d.GetRasterBand(7).ReadAsArray() != -9999\nm = d.GetRasterBand(8).ReadAsArray()\nprint(int(l.sum()), int((l & (m != 0)).sum()))`;
    const [valid, masked] = execFileSync('/usr/bin/python3', ['-c', code], { env: { ...process.env, GDAL_PAM_ENABLED: 'NO' } }).toString().trim().split(' ').map(Number);
    const bands = labelDataset(await readDataset(file)).map((b, i) => (i === 7 ? { ...b, role: 'cloud-mask' as const } : b));
    const s = assembleScene(bands, { mode: 'strict' });
    expect(masked).toBeGreaterThan(0);
    const name = 'LE70220492002106EDC00_stack.gtif [band 8: Band 8]';
    expect(s.masks).toEqual({ valid, masked, share: masked / valid, cloudMask: { valid, masked, share: masked / valid, name, parts: [{ name, reading: NOT_ZERO_WORDS, masked }] } });
  });

  it('says when a mask on another grid covers only part of the LST (left half of the Fmask, reprojected): the rest is not masked; before, only the share was said', async () => {
    const ds = await readDataset(path.join(CHIAPAS, 'LE70220492002106EDC00_stack.gtif'));
    const bands = labelDataset(ds);
    const fmask = bands[7].band.raster;
    const half = cropRaster(fmask, { col: 0, row: 0, width: fmask.width / 2, height: fmask.height });
    const withHalf = bands.map((b, i) => (i === 7 ? { ...b, role: 'cloud-mask' as const, band: { ...b.band, raster: half } } : b));
    const s = assembleScene(withHalf, { mode: 'strict' });
    // GDAL: 7540 of the left half's 31250 pixels are not 0 (12 % of the 62500 valid LST pixels).
    expect(s.masks!.cloudMask!.masked).toBe(7540);
    const keep = s.inputs.lstKeep!;
    expect(keep.every((k, i) => (i % fmask.width < fmask.width / 2 ? k === (fmask.data[i] === 0 ? 1 : 0) : k === 1))).toBe(true);
    expect(s.notices).toContain(
      'The cloud mask LE70220492002106EDC00_stack.gtif [band 8: Band 8] masks 12 % of the valid LST pixels (every pixel where it is not 0: cloud, shadow, and for Fmask also water and snow). It is on another grid than the LST and was reprojected onto it by georeference (nearest mask pixel); it covers only 50 % of the LST, and the LST outside it is not masked: use a cloud mask that covers the whole scene.',
    );
  });
});

const H14V09_QC = H14V09_LST.replace('LST_Day_1km', 'QC_Day');

describe.skipIf(!existsSync(H14V09_QC))('assembleSceneAsync (the app run: h14v09, 1200 x 1200 LST, its QC on another grid)', () => {
  // The QC on a 2x finer grid (each QC pixel 2 x 2 times): reprojected onto the LST grid by georeference, 1.44 M pixels twice.
  let bands: LabelledBand[];
  beforeAll(async () => {
    const [lst, qc] = [labelDataset(await readDataset(H14V09_LST))[0], labelDataset(await readDataset(H14V09_QC))[0]];
    const q = qc.band.raster;
    const data = new Float32Array(4 * q.data.length);
    for (let r = 0; r < 2 * q.height; r++) for (let c = 0; c < 2 * q.width; c++) data[r * 2 * q.width + c] = q.data[(r >> 1) * q.width + (c >> 1)];
    const t = q.transform;
    const fine = { ...q, width: 2 * q.width, height: 2 * q.height, transform: [t[0], t[1] / 2, 0, t[3], 0, t[5] / 2] as typeof t, data };
    bands = [lst, { ...qc, role: 'lst-qc', band: { ...qc.band, raster: fine } }];
  });

  it('gives the scene assembleScene gives, letting the event loop run while the QC is reprojected', async () => {
    let turns = 0;
    let counting = true;
    const tick = (): void => {
      if (!counting) return;
      turns++;
      setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const s = await assembleSceneAsync(bands, { mode: 'lenient' });
    counting = false;
    expect(s.notices.join(' ')).toMatch(/QC_Day.* is on another grid than the LST .*reprojected onto the LST grid by georeference \(nearest QC pixel; 100 % of the LST covered\)/);
    expect(s.masks!.qc!.masked).toBe(1214);
    const sync = assembleScene(bands, { mode: 'lenient' });
    expect(s.inputs.lstKeep).toEqual(sync.inputs.lstKeep);
    expect(s.notices).toEqual(sync.notices);
    // Run in one go, no turn of the event loop (no cancel message) came in before it ended.
    expect(turns).toBeGreaterThan(1);
  });

  it('stops with the cancel error on a signal aborted before it starts or while the QC is reprojected', async () => {
    await expect(assembleSceneAsync(bands, { mode: 'lenient' }, AbortSignal.abort())).rejects.toMatchObject({ code: 'CANCELLED' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 0);
    await expect(assembleSceneAsync(bands, { mode: 'lenient' }, ac.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
