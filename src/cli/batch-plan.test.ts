import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeBatchFile, planBatchSource } from './batch-plan.ts';

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
