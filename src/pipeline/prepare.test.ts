import { describe, expect, it } from 'vitest';
import { WGS84 } from '../core/geo/crs.ts';
import type { Progress } from '../core/progress.ts';
import { prepareScene, prepareSceneAsync } from './prepare.ts';
import { testGrid, testRaster } from './test-scenes.ts';
import { abortAfterProgress } from '../test-support/abort.ts';
import { unpackRaster } from '../core/raster/packed.ts';
import { dataPath, hasData, readDataset } from '../test-support/data.ts';

const ndvi = testRaster(testGrid(64, 64, 250), (c, r) => 0.2 + 0.005 * c + 0.003 * r);
const lstAt = (c: number, r: number): number => 300 + c + 5 * r;

describe('prepareScene', () => {
  it('uses an exactly aligned LST as is, cropping both grids to the whole shared pixels', () => {
    // LST origin 3 fine rows above the NDVI origin (as in the Dhaka AppEEARS subsets).
    const lst = testRaster(testGrid(17, 17, 1000, 500000, 4000000 + 750), lstAt);
    const s = prepareScene({ lst, aux: { ndvi } });
    expect(s.stages).toBe(2);
    expect(s.alignment.lst).toBe('exact');
    expect(s.alignment.lstWindow).toEqual({ col: 0, row: 1, width: 16, height: 15 });
    expect(s.alignment.auxWindow).toEqual({ col: 0, row: 1, width: 64, height: 60 });
    expect(s.lst.data[0]).toBe(lstAt(0, 1));
    expect(s.lst.data[15 * 16 - 1]).toBe(lstAt(15, 15));
    expect(s.levels[2].grid.transform).toEqual([500000, 250, 0, 4000000 - 250, 0, -250]);
    expect(s.levels[1].aux.ndvi!.width).toBe(32);
    expect(unpackRaster(s.levels[0].aux.ndvi!).data[0]).toBeCloseTo(0.2 + 0.005 * 1.5 + 0.003 * 2.5, 5);
    expect(s.notes.join(' ')).toMatch(/cropped/);
  });

  it('with a reference factor, block-averages an LST already on the guide grid and downscales it back, saying so', () => {
    const lst = testRaster(testGrid(64, 64, 250), lstAt);
    const s = prepareScene({ lst, aux: { ndvi } }, { referenceFactor: 4 });
    expect(s.stages).toBe(2);
    expect(s.lst.width).toBe(16);
    expect(s.lst.data[0]).toBeCloseTo((lstAt(0, 0) + lstAt(3, 3)) / 2, 4);
    expect(s.levels[2].grid.width).toBe(64);
    expect(s.notes.join(' ')).toMatch(/Reference factor 4: the LST was block-averaged by 4 \(to 1000 m\) and downscaled back to 250 m/);
    // Said once: no second 'LST block-averaged by 4 to allow 2 stages.' beside it.
    expect(s.notes.filter((n) => /block-averaged/.test(n))).toHaveLength(1);
    expect(() => prepareScene({ lst, aux: { ndvi } }, { referenceFactor: 3 })).toThrow(/power of two/);
  });

  it('says once, in one note, that an LST and guides on one grid were cropped to whole blocks of the coarsest level', () => {
    // 66 x 66 pixels on one grid, reference factor 4: 16 whole blocks of 4 x 4, so both are cropped to 64 x 64.
    const g = testGrid(66, 66, 250);
    const s = prepareScene({ lst: testRaster(g, lstAt), aux: { ndvi: testRaster(g, (c, r) => 0.2 + 0.005 * c + 0.003 * r) } }, { referenceFactor: 4 });
    expect([s.lst.width, s.levels[2].grid.width]).toEqual([16, 64]);
    // Before: 'LST cropped … to the 64x64 pixels … that the auxiliary grid covers whole.' (it covers all 66) and 'Auxiliary grid cropped from 66x66 to 64x64 …'.
    expect(s.notes.filter((n) => /cropped/.test(n))).toEqual(['LST and guides (one grid) cropped from 66x66 to 64x64 (from col 0, row 0): the coarsest level takes whole blocks of 4x4 pixels.']);
    // On two grids the LST note says when the blocks, not the guides' extent, cut it: a 17 km NDVI covers all 17 LST pixels of 1 km, and 3 stages take blocks of 2 x 2.
    const lst = testRaster(testGrid(17, 17, 1000), lstAt);
    const wide = testRaster(testGrid(68, 68, 250), (c, r) => 0.2 + 0.005 * c + 0.003 * r);
    expect(prepareScene({ lst, aux: { ndvi: wide } }, { stages: 3 }).notes.filter((n) => /cropped/.test(n))).toEqual([
      'LST cropped from 17x17 to the 16x16 pixels (from col 0, row 0) that the auxiliary grid covers whole, in whole blocks of 2x2 (one pixel of the coarsest level).',
      'Auxiliary grid cropped from 68x68 to 64x64 (from col 0, row 0) to the common aligned window.',
    ]);
    expect(prepareScene({ lst, aux: { ndvi } }).notes.filter((n) => /^LST cropped/.test(n))).toEqual(['LST cropped from 17x17 to the 16x16 pixels (from col 0, row 0) that the auxiliary grid covers whole.']);
  });

  it('runs on the LST alone when no guide is given: each stage refines the LST grid by 2', () => {
    const lst = testRaster(testGrid(8, 6, 1000), lstAt);
    const s = prepareScene({ lst, aux: {} });
    expect(s.notes.join(' ')).toMatch(/No guide layer/);
    expect(s.stages).toBe(2);
    expect(s.levels.map((l) => [l.grid.width, l.grid.height])).toEqual([[8, 6], [16, 12], [32, 24]]);
    expect(s.levels[2].grid.transform[1]).toBe(250);
    expect(s.levels[2].aux).toEqual({});
    expect(s.lst.data[9]).toBe(lstAt(1, 1));
  });

  it('takes one stage when asked, aggregating the auxiliary layers to the 500 m output grid', () => {
    const lst = testRaster(testGrid(16, 16, 1000), lstAt);
    const s = prepareScene({ lst, aux: { ndvi } }, { stages: 1 });
    expect(s.stages).toBe(1);
    expect(s.levels[1].grid.width).toBe(32);
    expect(s.levels[1].aux.ndvi!.width).toBe(32);
  });

  it('computes NDVI from red and NIR and NDWI from NIR and SWIR', () => {
    const g = testGrid(8, 8, 250);
    const red = testRaster(g, () => 0.1);
    const nir = testRaster(g, () => 0.3);
    const swir = testRaster(g, () => 0.2);
    const s = prepareScene({ lst: testRaster(testGrid(2, 2, 1000), lstAt), aux: { red, nir, swir } });
    expect(unpackRaster(s.levels[2].aux.ndvi!).data[5]).toBeCloseTo(0.5, 6);
    expect(unpackRaster(s.levels[2].aux.ndwi!).data[5]).toBeCloseTo(0.2, 6);
  });

  it('applies the QC keep-mask', () => {
    const lst = testRaster(testGrid(16, 16, 1000), lstAt);
    const keep = new Uint8Array(256).fill(1);
    keep[0] = 0;
    const s = prepareScene({ lst, lstKeep: keep, aux: { ndvi } });
    expect(Number.isNaN(s.lst.data[0])).toBe(true);
    expect(s.lst.data[1]).toBe(lstAt(1, 0));
  });

  it('counts what the QC removed out of the valid LST pixels, not out of every pixel with the fill', () => {
    // 16x16 LST, its first 200 pixels fill; the QC rejects 3 valid ones and 2 fill ones.
    const lst = testRaster(testGrid(16, 16, 1000), (c, r) => (r * 16 + c < 200 ? Number.NaN : lstAt(c, r)));
    const keep = new Uint8Array(256).fill(1);
    for (const i of [0, 1, 200, 201, 255]) keep[i] = 0;
    const s = prepareScene({ lst, lstKeep: keep, aux: { ndvi } });
    expect(s.notes).toContain('QC mask removed 3 of the 56 valid LST pixels.');
    // A mask the scene assembly reported (its notes say what each mask takes) gets no second note here.
    const masks = { valid: 56, masked: 3, share: 3 / 56, qc: { valid: 56, masked: 1, share: 1 / 56, name: 'q.tif' }, cloudMask: { valid: 55, masked: 2, share: 2 / 55, name: 'm.tif' } };
    const reported = prepareScene({ lst, lstKeep: keep, lstMasks: masks, aux: { ndvi } });
    expect(reported.notes.filter((n) => n.includes('valid LST pixels'))).toEqual([]);
    expect(reported.lst.data).toEqual(s.lst.data);
  });

  it('reprojects an LST in another CRS onto the aligned coarse grid', () => {
    const g = testGrid(64, 64, 250);
    // The same area in WGS 84 at 0.01 deg (~900 m) (UTM 33N x=500000 is lon 15).
    const lst = testRaster(
      { width: 40, height: 40, transform: [14.99, 0.01, 0, 36.16, 0, -0.01], crs: WGS84 },
      (c, r) => 300 + 0.1 * c + 0.2 * r,
    );
    const s = prepareScene({ lst, aux: { ndvi: testRaster(g, () => 0.5) } });
    expect(s.alignment.lst).toBe('reprojected');
    expect(s.levels[0].grid.width).toBe(16);
    expect(s.lst.data.some((v) => !Number.isNaN(v))).toBe(true);
    expect(s.notes.join(' ')).toMatch(/proj4/);
  });

  it.each([
    ['no LST', () => prepareScene({ lst: undefined as never, aux: { ndvi } }), 'MISSING_BAND'],
    ['all-invalid LST', () => prepareScene({ lst: testRaster(testGrid(16, 16, 1000), () => NaN), aux: { ndvi } }), 'ALL_NODATA'],
    ['non-overlapping grids', () => prepareScene({ lst: testRaster(testGrid(16, 16, 1000, 900000), lstAt), aux: { ndvi } }), 'NO_OVERLAP'],
    ['an LST in Celsius', () => prepareScene({ lst: testRaster(testGrid(16, 16, 1000), (c) => 25 + c), aux: { ndvi } }), 'BAD_VALUES'],
    ['LST not coarser than the auxiliary grid', () => prepareScene({ lst: testRaster(testGrid(64, 64, 250), () => 300), aux: { ndvi } }), 'NOT_COARSER'],
  ])('rejects %s with a clear AppError', (_name, run, code) => {
    expect(run).toThrowError(expect.objectContaining({ code, message: expect.stringMatching(/.{20,}/) }));
  });

  it('rejects 8-bit digital numbers given the role LST (whole numbers up to 255, which passed as kelvin above 150), and keeps whole kelvins above 255', () => {
    const dn = testRaster(testGrid(16, 16, 1000), (c, r) => 108 + ((3 * c + 5 * r) % 55));
    expect(() => prepareScene({ lst: dn, aux: { ndvi } })).toThrowError(
      expect.objectContaining({ code: 'BAD_VALUES', message: expect.stringMatching(/^LST: every LST value is a whole number from 108 to 162, as in 8-bit digital numbers, not kelvin\./) }),
    );
    expect(prepareScene({ lst: testRaster(testGrid(16, 16, 1000), (c) => 290 + c), aux: { ndvi } }).stages).toBe(2);
  });

  it('says an LST in whole degrees Celsius is degrees Celsius, with the range found (it said "below 150 K: degrees Celsius?", or "not temperatures in kelvin" with frost)', () => {
    const warm = testRaster(testGrid(16, 16, 1000), (c, r) => 27 + ((c + r) % 16));
    expect(() => prepareScene({ lst: warm, aux: { ndvi }, names: { lst: 'july_c.tif' } })).toThrowError(
      expect.objectContaining({ code: 'BAD_VALUES', file: 'july_c.tif', message: 'july_c.tif: every value is a whole number from 27 to 42: they look like degrees Celsius, not kelvin. Give the LST in kelvin (degrees Celsius + 273.15).' }),
    );
    const frost = testRaster(testGrid(16, 16, 1000), (c, r) => -12 + ((3 * c + r) % 54));
    expect(() => prepareScene({ lst: frost, aux: { ndvi } })).toThrowError(
      expect.objectContaining({ code: 'BAD_VALUES', message: expect.stringMatching(/^LST: every value is a whole number from -12 to 41: they look like degrees Celsius, not kelvin\./) }),
    );
  });

  it.skipIf(!hasData('landsat7_pennsylvania_goslee'))('refuses Pennsylvania\'s thermal DN bands (july61/july62.tif) picked as the LST, in one line naming the file', async () => {
    for (const f of ['july61.tif', 'july62.tif']) {
      const lst = (await readDataset(dataPath('landsat7_pennsylvania_goslee', f))).bands[0].raster;
      const dem = (await readDataset(dataPath('landsat7_pennsylvania_goslee', 'dem.tif'))).bands[0].raster;
      expect(() => prepareScene({ lst, aux: { dem }, names: { lst: f } }, { referenceFactor: 2 })).toThrowError(
        expect.objectContaining({ code: 'BAD_VALUES', message: expect.stringMatching(new RegExp(`^${f}: every LST value is a whole number from 108 to`)) }),
      );
    }
  });

  it('prepares an LST-only scene on the LST grid refined by 2 per stage when no auxiliary layer is given', () => {
    const lst = testRaster(testGrid(16, 16, 1000), lstAt);
    const s = prepareScene({ lst, aux: {} });
    expect(s.stages).toBe(2);
    expect(s.levels.map((l) => [l.grid.width, l.grid.transform[1]])).toEqual([
      [16, 1000],
      [32, 500],
      [64, 250],
    ]);
    expect(s.levels.every((l) => Object.keys(l.aux).length === 0)).toBe(true);
    expect(s.notes.join(' ')).toMatch(/LST-only/);
    expect(prepareScene({ lst, aux: {} }, { stages: 1 }).levels).toHaveLength(2);
  });

  it('names both grids when they do not overlap', () => {
    const lst = testRaster(testGrid(16, 16, 1000, 900000), lstAt);
    expect(() => prepareScene({ lst, aux: { ndvi }, names: { lst: 'lst.tif', ndvi: 'ndvi.tif' } })).toThrow(/lst\.tif \(16x16.*ndvi\.tif \(64x64/);
  });
});

describe('prepareSceneAsync', () => {
  const lst = testRaster(testGrid(17, 17, 1000, 500000, 4000000 + 750), lstAt);
  const dem = testRaster(testGrid(64, 64, 250), (c, r) => 100 + c - r);

  it('gives the scene prepareScene gives, reporting each layer and level up to its total', async () => {
    const seen: Progress[] = [];
    const s = await prepareSceneAsync({ lst, aux: { ndvi, dem } }, {}, { onProgress: (p) => seen.push(p) });
    expect(s).toEqual(prepareScene({ lst, aux: { ndvi, dem } }));
    // LST, 2 auxiliary layers, indices, compact storage of the output grid, 3 levels.
    expect(seen.map((p) => `${p.done}/${p.total}`)).toEqual(['1/8', '2/8', '3/8', '4/8', '5/8', '6/8', '7/8', '8/8']);
    expect(seen.every((p) => p.stage === 'preparing')).toBe(true);
    expect(seen.map((p) => p.detail)).toEqual(['LST on the coarse grid', 'ndvi on the output grid', 'dem on the output grid', 'indices', 'compact storage', 'level 2 of 2', 'level 1 of 2', 'level 0 of 2']);
  });

  it('stops mid-run when cancelled, after the step it is on', async () => {
    const cancel = abortAfterProgress(2);
    const run = prepareSceneAsync({ lst, aux: { ndvi, dem } }, {}, cancel);
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(cancel.seen).toEqual([1, 2]);
  });

  it('lets a cancel in while it block-averages a guide to the next level, before that level is done', async () => {
    // A float DEM (not packed: its coarser levels are block-averaged when the scene is prepared) on a
    // 4096 x 4096 output grid: its 2048 x 2048 level is 4 blocks of STEP_PX output pixels. The cancel
    // arrives at the third turn of the event loop after 'level 2 of 2' (the first is the pause after
    // the report); averaged in one go, the level ran past it to 'level 1 of 2'.
    const ac = new AbortController();
    const seen: string[] = [];
    const floatDem = testRaster(testGrid(4096, 4096, 250), (c, r) => 100.37 + 0.013 * c - 0.029 * r);
    const bigLst = testRaster(testGrid(1024, 1024, 1000), (c, r) => 290 + (c % 17) + 0.5 * (r % 13));
    const run = prepareSceneAsync({ lst: bigLst, aux: { dem: floatDem } }, {}, {
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.detail ?? '');
        if (p.detail === 'level 2 of 2') setTimeout(() => setTimeout(() => setTimeout(() => ac.abort(), 0), 0), 0);
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen.at(-1)).toBe('level 2 of 2');
  });

  it('lets a cancel in while it packs the layers of the output grid, before it finishes that step', async () => {
    // A cancel reaches a worker as a message, run only when the thread is free: here a timer, set
    // once 'indices' is reported, that aborts at the second turn of the event loop after it (the
    // first one is the pause after the report). Packing every layer in one go ran past it to 'compact storage'.
    const ac = new AbortController();
    const seen: string[] = [];
    const abortOnSecondTurn = () => setTimeout(() => setTimeout(() => ac.abort(), 0), 0);
    const landcover = testRaster(testGrid(64, 64, 250), (c, r) => 1 + ((c + r) % 5));
    const run = prepareSceneAsync({ lst, aux: { ndvi, dem, landcover } }, {}, {
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.detail ?? '');
        if (p.detail === 'indices') abortOnSecondTurn();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toContain('indices');
    expect(seen).not.toContain('compact storage');
  });

  it('lets a cancel in while it resamples a guide onto the output grid, before that guide is done', async () => {
    // A 2048 x 2048 output grid (NDVI at 250 m) and a DEM off its lattice (500 m, shifted by 100 m):
    // the DEM is resampled onto it a block of rows at a time. The cancel arrives at the second turn of
    // the event loop after 'ndvi on the output grid' (the first is the pause after the report);
    // resampled in one go, the DEM ran past it to 'dem on the output grid'.
    const ac = new AbortController();
    const seen: string[] = [];
    const bigNdvi = testRaster(testGrid(2048, 2048, 250), (c, r) => 0.2 + 1e-4 * (c + r));
    const offDem = testRaster(testGrid(1024, 1024, 500, 500100, 4000000 - 100), (c, r) => 100 + c - r);
    const bigLst = testRaster(testGrid(512, 512, 1000), lstAt);
    const run = prepareSceneAsync({ lst: bigLst, aux: { ndvi: bigNdvi, dem: offDem } }, {}, {
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.detail ?? '');
        if (p.detail === 'ndvi on the output grid') setTimeout(() => setTimeout(() => ac.abort(), 0), 0);
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toEqual(['LST on the coarse grid', 'ndvi on the output grid']);
  });
});
