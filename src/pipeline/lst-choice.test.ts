import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDataset } from '../test-support/data.ts';
import { assembleScene, labelDataset } from './scene-assembly.ts';

const PAIR = path.resolve(import.meta.dirname, '../../../shared/data/modis-aster-h18v04-sifcnnsr/84');

describe.skipIf(!existsSync(PAIR))('a pair folder dropped whole (MOD21A1D 1 km LST, ASTER 232 m LST, MOD09GQ 250 m NDVI, undated)', () => {
  it('downscales the coarsest LST, the MODIS one, and says why; before, the ASTER LST was taken and the scene stopped NOT_COARSER', async () => {
    const bands = [];
    for (const n of ['ASTER_LST_250m.tif', 'MOD09GQ_NDVI_250m.tif', 'MOD21A1D_LST_1km.tif']) bands.push(...labelDataset(await readDataset(path.join(PAIR, n))));
    expect(bands.map((b) => b.role)).toEqual(['lst', 'ndvi', 'lst']);
    const s = assembleScene(bands, { mode: 'lenient' });
    expect(s.lst.name).toBe('MOD21A1D_LST_1km.tif');
    expect(s.notices).toContain(
      'Several LST layers for undated: using MOD21A1D_LST_1km.tif, the coarsest (about 927 m; ASTER_LST_250m.tif: 232 m). To use ASTER_LST_250m.tif instead, set the role of MOD21A1D_LST_1km.tif to "unknown".',
    );
  });
});
