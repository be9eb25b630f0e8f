import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../test-support/data.ts';
import type { Dataset } from '../io/dataset.ts';
import { assembleScene, labelDataset, type LabelledBand } from './scene-assembly.ts';
import { testGrid, testRaster } from './test-scenes.ts';

const PAIR = path.resolve(import.meta.dirname, '../../../shared/data/modis-aster-h18v04-sifcnnsr/84');

describe.skipIf(!existsSync(PAIR))('a pair folder dropped whole (MOD21A1D 1 km LST, ASTER 232 m LST, MOD09GQ 250 m NDVI, undated)', () => {
  it('downscales the coarsest LST, the MODIS one, and says why; before, the ASTER LST was taken and the scene stopped NOT_COARSER', async () => {
    const bands = [];
    for (const n of ['ASTER_LST_250m.tif', 'MOD09GQ_NDVI_250m.tif', 'MOD21A1D_LST_1km.tif']) bands.push(...labelDataset(await readDataset(path.join(PAIR, n))));
    expect(bands.map((b) => b.role)).toEqual(['lst', 'ndvi', 'lst']);
    const s = assembleScene(bands, { mode: 'lenient' });
    expect(s.lst.name).toBe('MOD21A1D_LST_1km.tif');
    expect(s.notices).toContain(
      // ASTER is on the NDVI's pixel size: nothing finer to downscale it onto, so no switch to it is offered (before:
      // 'To use ASTER_LST_250m.tif instead, set the role of MOD21A1D_LST_1km.tif to "unknown"', which then stopped).
      'Several LST layers for undated: using MOD21A1D_LST_1km.tif, the coarsest (about 927 m; ASTER_LST_250m.tif: 232 m). ASTER_LST_250m.tif is not downscaled: it is the independent truth each output is scored against.',
    );
    expect(s.finerLsts.map((b) => b.name)).toEqual(['ASTER_LST_250m.tif']);
  });
});

describe('several LSTs of one date, the finer one coarser than the guides', () => {
  it('scores with the finer one and still offers to downscale it instead', () => {
    const lst = (name: string, pixelM: number): LabelledBand[] =>
      labelDataset({ fileName: name, bands: [{ name: 'LST', role: 'lst', raster: testRaster(testGrid(8000 / pixelM, 8000 / pixelM, pixelM), () => 300) }] } as unknown as Dataset);
    const ndvi = labelDataset({ fileName: 'ndvi.tif', bands: [{ name: 'NDVI', role: 'ndvi', raster: testRaster(testGrid(32, 32, 250), () => 0.5) }] } as unknown as Dataset);
    const s = assembleScene([...lst('coarse.tif', 1000), ...lst('fine.tif', 500), ...ndvi], { mode: 'lenient' });
    expect(s.lst.name).toBe('coarse.tif');
    expect(s.finerLsts.map((b) => b.name)).toEqual(['fine.tif']);
    expect(s.notices).toContain(
      'Several LST layers for undated: using coarse.tif, the coarsest (about 1000 m; fine.tif: 500 m). fine.tif is not downscaled: it is the independent truth each output is scored against. To use fine.tif instead, set the role of coarse.tif to "unknown".',
    );
  });
});
