import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeBatchFile, planBatch, planBatchSource } from './batch-plan.ts';

const PAIRS = path.resolve(import.meta.dirname, '../../../shared/data/modis-aster-h18v04-sifcnnsr');
const CHIAPAS = path.resolve(import.meta.dirname, '../../../shared/data/landsat7_chiapas_opengeotutorial');
const GEZIRA = path.resolve(import.meta.dirname, '../../../shared/data/landsat8_gezira_sudan_pysebal');
const SCENE = 'LC08_L1TP_173049_20140310_20170425_01_T1';

describe.skipIf(!existsSync(GEZIRA))('a Landsat folder as a batch source (Gezira 2014-03-10, Collection 1 L1TP with its BQA)', () => {
  it("takes the BQA as the date's cloud mask; before, it was a 'qc' band that no item read", async () => {
    expect((await describeBatchFile(path.join(GEZIRA, `${SCENE}_BQA.TIF`))).roles).toEqual(['cloud-mask']);
    const { items } = await planBatchSource(GEZIRA);
    expect(items.map((i) => i.id)).toEqual(['2014-03-10']);
    const names = items[0].files.map((f) => path.basename(f.path));
    expect(names).toContain(`${SCENE}_BQA.TIF`);
    expect(names).toContain(`${SCENE}_B10.TIF`);
    expect(names).toContain(`${SCENE}_B4.TIF`);
    // The coastal, panchromatic and cirrus bands have no role: no item reads them.
    for (const b of ['B1', 'B8', 'B9']) expect(names).not.toContain(`${SCENE}_${b}.TIF`);
  });
});

describe('undated scenes in folders of their own', () => {
  const f = (p: string, role: 'lst' | 'ndvi' | 'dem' | 'cloud-mask', date?: string) => ({ path: p, roles: [role], dates: [date] });
  it('makes one item per folder with that folder\'s mask and guides first; one folder, or dated files, as before', () => {
    const items = planBatch([
      f('/d/a/lst.tif', 'lst'),
      f('/d/a/ndvi.tif', 'ndvi'),
      f('/d/a/clouds.tif', 'cloud-mask'),
      f('/d/b/lst.tif', 'lst'),
      f('/d/b/ndvi.tif', 'ndvi'),
      f('/d/dem.tif', 'dem'),
    ]);
    expect(items.map((i) => [i.id, i.files.map((x) => x.path)])).toEqual([
      ['a', ['/d/a/lst.tif', '/d/a/clouds.tif', '/d/a/ndvi.tif', '/d/dem.tif']],
      ['b', ['/d/b/lst.tif', '/d/b/ndvi.tif', '/d/dem.tif']],
    ]);
    // LST files in the common folder too: its scene is 'undated' (before: an item with an empty id, written into OUT itself).
    expect(planBatch([f('/d/lst.tif', 'lst'), f('/d/ndvi.tif', 'ndvi'), f('/d/a/lst.tif', 'lst'), f('/d/a/ndvi.tif', 'ndvi')]).map((i) => [i.id, i.files.map((x) => x.path)])).toEqual([
      ['a', ['/d/a/lst.tif', '/d/a/ndvi.tif']],
      ['undated', ['/d/lst.tif', '/d/ndvi.tif']],
    ]);
    // Before: one item 'undated' with both LSTs, the first folder's NDVI and its mask for both scenes.
    expect(planBatch([f('/d/a/lst.tif', 'lst'), f('/d/a/ndvi.tif', 'ndvi')]).map((i) => i.id)).toEqual(['undated']);
    expect(planBatch([f('/d/a/lst.tif', 'lst', '2024-01-01'), f('/d/b/lst.tif', 'lst', '2024-01-02'), f('/d/a/ndvi.tif', 'ndvi')]).map((i) => i.id)).toEqual(['2024-01-01', '2024-01-02']);
  });
});

describe.skipIf(!existsSync(PAIRS))('the MODIS-ASTER pair database as a batch source (55 folders of undated files)', () => {
  it('plans one item per pair folder, each with its own three files', async () => {
    const { items } = await planBatchSource(PAIRS);
    expect(items).toHaveLength(55);
    for (const it of items) {
      expect(it.files.map((x) => path.relative(PAIRS, x.path)).sort()).toEqual(
        ['ASTER_LST_250m.tif', 'MOD09GQ_NDVI_250m.tif', 'MOD21A1D_LST_1km.tif'].map((n) => path.join(it.id, n)),
      );
    }
  });
});

describe.skipIf(!existsSync(CHIAPAS))('Landsat stacks as a batch source (Chiapas: one .gtif per date, LST and reflectance bands in one file)', () => {
  it('plans one item per date that reads its stack once; before, .gtif files were not looked at (no LST found), and a stack was listed once per role it serves', async () => {
    const { items } = await planBatchSource(CHIAPAS);
    expect(items.map((i) => [i.id, i.files.map((x) => path.basename(x.path))])).toEqual([
      ['1999-11-18', ['LE70220491999322EDC01_stack.gtif']],
      ['2002-04-16', ['LE70220492002106EDC00_stack.gtif']],
    ]);
  });
});
