import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import { exportLayerGeoTiff, exportZip } from './export.ts';
import { ingestFiles } from './inputs.ts';
import { previewScene } from './preview.ts';
import type { RunParams } from './protocol.ts';
import { runJob } from './run.ts';

const DHAKA = resolve(import.meta.dirname, '../../../shared/data/dhaka-mod11a2-mod13q1-2024-citypath');
const lst = (doy: string) => join(DHAKA, `MOD11A2.061/MOD11A2.061_LST_Day_1km_doy2024${doy}000000_aid0001.tif`);
const qc = (doy: string) => join(DHAKA, `MOD11A2.061/MOD11A2.061_QC_Day_doy2024${doy}000000_aid0001.tif`);
const ndvi = (doy: string) => join(DHAKA, `MOD13Q1.061/MOD13Q1.061__250m_16_days_NDVI_doy2024${doy}000000_aid0001.tif`);
const file = (path: string) => new File([readFileSync(path)], basename(path));
const H14V09_LST = resolve(DHAKA, '../mod11a1-h14v09-2019305-lsttools/MOD11A1.A2019305.h14v09.006.2019306084028.LST_Day_1km.tif');

describe.skipIf(!existsSync(DHAKA) || !existsSync(H14V09_LST))('a queue row whose guide covers another place', () => {
  it("says which guide was left out, and whether the date has a guide left, in the row (before: only in the picked date's notice)", async () => {
    const { inputs: rows } = await ingestFiles([H14V09_LST, lst('097'), ndvi('097')].map(file));
    const preview = previewScene({ inputs: rows.map((r) => ({ id: r.id, role: r.role })), maxDateGapDays: 8 });
    expect(preview.scenes.map((g) => g.id)).toEqual(['2019-11-01 h14v09', '2024-04-06']);
    expect(preview.scenes[0]).toMatchObject({ awayGuides: [{ role: 'ndvi', name: basename(ndvi('097')) }], hasGuide: false, guides: [] });
    // The Dhaka date keeps its own NDVI: nothing left out.
    expect(preview.scenes[1]).not.toHaveProperty('awayGuides');
    expect(preview.scenes[1].guides?.map((g) => g.role)).toEqual(['ndvi']);
    // The picked date's notice still names the file in full.
    expect(preview.notices.join(' ')).toContain(`${basename(ndvi('097'))} (ndvi) covers another place than the LST ${basename(H14V09_LST)}`);
  });
});

describe.skipIf(!existsSync(DHAKA))('a series of dates in the worker (Dhaka)', () => {
  it('lists each date with the guide standing in, refuses a guide beyond the gap, keeps every date for the series export', async () => {
    const { inputs: rows } = await ingestFiles([lst('129'), lst('137'), qc('129'), qc('137'), ndvi('145')].map(file));
    const inputs = rows.map((r) => ({ id: r.id, role: r.role }));
    const preview = previewScene({ inputs, maxDateGapDays: 8 });
    expect(preview.scenes.map((g) => g.id)).toEqual(['2024-05-08', '2024-05-16']);
    // The NDVI of 2024-05-24 is 9 days after the 8-day LST period starting 2024-05-08, 1 day after the next.
    expect(preview.scenes[0].guides).toEqual([{ role: 'ndvi', name: basename(ndvi('145')), date: '2024-05-24', days: 9 }]);
    expect(preview.scenes[0].overGap).toEqual([basename(ndvi('145'))]);
    expect(preview.scenes[1].overGap).toEqual([]);
    expect(previewScene({ inputs, maxDateGapDays: 9 }).scenes[0].overGap).toEqual([]);

    const params = (sceneId: string, extra: Partial<RunParams> = {}): RunParams => ({
      inputs,
      method: 'bicubic',
      residualCorrection: true,
      finetuneSteps: 0,
      backend: 'auto',
      evaluate: false,
      appBaseUrl: 'http://localhost/',
      sceneId,
      maxDateGapDays: 8,
      refuseDateGaps: true,
      ...extra,
    });
    const refused = await runJob(params('2024-05-08'), {}, []).catch((e: unknown) => e);
    expect(isAppError(refused) && refused.code).toBe('DATE_MISMATCH');
    expect((refused as Error).message).toContain(`${basename(ndvi('145'))} (ndvi, 2024-05-24) is 9 days from the LST ${basename(lst('129'))}`);
    expect((refused as { hint?: string }).hint).toBe(
      'Raise "Max date gap" in the scene panel to 9 days to let it stand in, or drop an NDVI file within 8 days of 2024-05-08.',
    );
    // A lone run of the same date only warns (the user decides), as before.
    const lone = await runJob(params('2024-05-08', { refuseDateGaps: false }), {}, []);
    expect(lone.notices.join(' ')).toMatch(/9 days from the LST/);

    const first = await runJob(params('2024-05-08', { maxDateGapDays: 9 }), {}, []);
    const second = await runJob(params('2024-05-16', { keepOtherDates: true }), {}, []);
    expect(first.scene.used).toMatchObject({ lst: { name: basename(lst('129')), date: '2024-05-08' }, 'lst-qc': { name: basename(qc('129')) }, ndvi: { date: '2024-05-24' } });
    expect(second.scene.used?.lst?.name).toBe(basename(lst('137')));
    // Both dates stay exportable, each under its own date.
    expect((await exportLayerGeoTiff('bicubic-250m', { sceneId: '2024-05-08' })).fileName).toBe('MOD11A2_2024-05-08_bicubic_212m.tif');
    expect((await exportLayerGeoTiff('bicubic-250m')).fileName).toBe('MOD11A2_2024-05-16_bicubic_212m.tif');
    const zip = await exportZip({ series: true }, [], 'series', {}, ['2024-05-08', '2024-05-16']);
    const entries = unzipSync(new Uint8Array(await zip.file.arrayBuffer()));
    expect(Object.keys(entries).filter((n) => n.endsWith('.tif')).sort()).toEqual(
      ['2024-05-08', '2024-05-16'].flatMap((d) => ['bicubic_212m', 'bicubic_424m', 'input_849m'].map((s) => `MOD11A2_${d}_${s}.tif`)).sort(),
    );
    expect(JSON.parse(strFromU8(entries['report.json']))).toEqual({ series: true });
    // A date not finished (not asked for) is not in the ZIP; a lone run forgets the series.
    const one = unzipSync(new Uint8Array(await (await exportZip({}, [], 'one', {}, ['2024-05-16'])).file.arrayBuffer()));
    expect(Object.keys(one).filter((n) => n.includes('2024-05-08'))).toEqual([]);
    await runJob(params('2024-05-16'), {}, []);
    const after = await exportZip({}, [], 'after', {}, ['2024-05-08', '2024-05-16']);
    expect(Object.keys(unzipSync(new Uint8Array(await after.file.arrayBuffer()))).filter((n) => n.includes('2024-05-08'))).toEqual([]);
    // A lone run with another method: the ZIP holds its layers only, none the UI keeps on screen from the run before.
    const before = await runJob(params('2024-05-16', { method: 'dms' }), {}, []);
    const tsharp = await runJob(params('2024-05-16', { method: 'tsharp' }), {}, []);
    const zipped = Object.keys(unzipSync(new Uint8Array(await (await exportZip({}, [], 'lone')).file.arrayBuffer()))).filter((n) => n.endsWith('.tif'));
    expect(zipped.sort()).toEqual(tsharp.layers.map((l) => `${l.fileStem}.tif`).sort());
    expect(before.layers.some((l) => l.method === 'dms')).toBe(true);
    expect(zipped.filter((n) => n.includes('dms'))).toEqual([]);
  });
});
