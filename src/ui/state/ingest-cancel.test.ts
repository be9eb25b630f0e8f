import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { IngestWatch } from '../../test-support/ingest-worker.ts';
import { cancelIngest, ingestFiles, removeInput } from './actions.ts';
import { initialState, store } from './store.ts';
import { worker } from './worker-handle.ts';

const seen = vi.hoisted((): IngestWatch => ({ started: 0, ended: [], isCancelSent: false }));

vi.mock(import('./worker-handle.ts'), async (original) => {
  const { ingestWorkerClient } = await import('../../test-support/ingest-worker.ts');
  const client = ingestWorkerClient(seen);
  return { ...(await original()), worker: () => client };
});

const dir = path.resolve(__dirname, '../../../../shared/data/mod11a1-h14v09-2019305-lsttools');
const stem = 'MOD11A1.A2019305.h14v09.006.2019306084028';
const file = (suffix: string): File => new File([readFileSync(path.join(dir, `${stem}.${suffix}`))], `${stem}.${suffix}`);

/** Resolves once the worker's ingest has begun its read of the request now sent. */
async function workerReading(): Promise<void> {
  const n = seen.started;
  while (seen.started === n) await new Promise((r) => setTimeout(r));
}

beforeEach(() => {
  store.set({ ...initialState, notices: [] });
  seen.started = 0;
  seen.ended = [];
  seen.isCancelSent = false;
  seen.isHeldForCancel = false;
});

describe.skipIf(!existsSync(dir))('cancelling a file read in the app', () => {
  it('adds none of the files being read, says so, keeps the earlier rows, and the same files dropped again are read', async () => {
    await ingestFiles([file('QC_Day.tif')]);
    const before = store.get();
    expect(before.inputs.map((i) => i.fileName)).toEqual([`${stem}.QC_Day.tif`]);
    expect(before.error).toBeUndefined();

    const p = ingestFiles([file('LST_Day_1km.tif'), file('hdf')]);
    expect(store.get().isIngesting).toBe(true);
    await workerReading();
    cancelIngest();
    expect(store.get().isIngestCancelling).toBe(true);
    cancelIngest(); // twice: nothing more
    await p;
    expect(seen.ended).toEqual(['read', 'CANCELLED']);
    const s = store.get();
    // Before, the app passed no signal: both files were read and added (18 rows).
    expect(s.inputs).toBe(before.inputs);
    expect(s.fileKeys).toEqual(before.fileKeys);
    expect(s.isIngesting).toBe(false);
    expect(s.isIngestCancelling).toBe(false);
    expect(s.error).toBeUndefined();
    expect(s.notices).toEqual([`Reading of ${stem}.LST_Day_1km.tif, ${stem}.hdf cancelled: nothing was added to the table. Drop them again to read them.`]);

    cancelIngest(); // after the read ended: nothing
    expect(store.get().isIngestCancelling).toBe(false);
    await ingestFiles([file('LST_Day_1km.tif'), file('hdf')]);
    const after = store.get();
    expect(after.notices.some((n) => n.includes('already in the table'))).toBe(false);
    expect(after.inputs.filter((i) => !i.problem).length).toBeGreaterThan(2);
    expect(after.inputs[0]).toBe(before.inputs[0]);
    expect(after.inputs.some((i) => i.fileName === `${stem}.LST_Day_1km.tif`)).toBe(true);
    expect(after.inputs.some((i) => i.fileName.startsWith(`${stem}.hdf`))).toBe(true);
    expect(after.error).toBeUndefined();
  });

  it('a Cancel while a second drop is read stops that drop only; the rows of a drop read meanwhile stay loaded in the worker', async () => {
    const first = ingestFiles([file('QC_Day.tif')]);
    const second = ingestFiles([file('LST_Day_1km.tif'), file('hdf')]);
    await first;
    expect(seen.ended).toEqual(['read']);
    const qc = store.get().inputs.find((i) => i.fileName === `${stem}.QC_Day.tif`)!;
    expect(store.get().isIngesting).toBe(true);
    cancelIngest();
    await second;
    expect(seen.ended).toEqual(['read', 'CANCELLED']);
    const s = store.get();
    expect(s.inputs.map((i) => i.fileName)).toEqual([`${stem}.QC_Day.tif`]);
    expect(s.notices).toEqual([`Reading of ${stem}.LST_Day_1km.tif, ${stem}.hdf cancelled: nothing was added to the table. Drop them again to read them.`]);
    // Before, the cancelled read put back the worker's inputs as they were when it began, so the QC row
    // read meanwhile was gone there: "Input in7 is no longer loaded; drop the file again."
    const { layer } = await worker().call('inputLayer', { id: qc.id });
    expect(layer.display.width).toBeGreaterThan(0);
    expect(store.get().error).toBeUndefined();
  });

  it('one Cancel stops every drop still being read: each file is either in the table, loaded in the worker, or named once in a notice', async () => {
    const drops = [[file('LST_Day_1km.tif'), file('QC_Day.tif')], [file('hdf')], [file('LST_Night_1km.tif')]];
    const reads = drops.map((d) => ingestFiles(d));
    while (seen.started < drops.length) await new Promise((r) => setTimeout(r));
    cancelIngest();
    await Promise.all(reads);
    // A drop the worker had read before the cancel reached it is added as usual (the cancel lost).
    expect(seen.ended.filter((e) => e === 'CANCELLED').length).toBeGreaterThan(0);
    const s = store.get();
    expect(s.isIngesting).toBe(false);
    expect(s.notices.length).toBe(seen.ended.filter((e) => e === 'CANCELLED').length);
    for (const d of drops) {
      const names = d.map((f) => f.name);
      const rows = s.inputs.filter((i) => names.some((n) => i.fileName.startsWith(n)));
      const told = s.notices.filter((n) => names.some((f) => n.includes(f)));
      if (rows.length > 0) expect(told).toEqual([]);
      else expect(told).toEqual([`Reading of ${names.join(', ')} cancelled: nothing was added to the table. Drop ${names.length > 1 ? 'them' : 'it'} again to read ${names.length > 1 ? 'them' : 'it'}.`]);
      expect(s.fileKeys.filter((k) => names.some((n) => k.startsWith(`${n}:`))).length).toBe(rows.length > 0 ? names.length : 0);
    }
    for (const row of s.inputs) await expect(worker().call('inputLayer', { id: row.id })).resolves.toBeDefined();
  });

  it('names the files being read, of every drop, until each drop has been read', async () => {
    const first = ingestFiles([file('LST_Day_1km.tif'), file('QC_Day.tif')]);
    expect(store.get().readingFiles).toEqual([`${stem}.LST_Day_1km.tif`, `${stem}.QC_Day.tif`]);
    const second = ingestFiles([file('hdf')]);
    expect(store.get().readingFiles).toEqual([`${stem}.LST_Day_1km.tif`, `${stem}.QC_Day.tif`, `${stem}.hdf`]);
    await first;
    // The .hdf is read longer (2 MB, 12 layers): it alone is named now.
    if (seen.ended.length === 1) expect(store.get().readingFiles).toEqual([`${stem}.hdf`]);
    await second;
    expect(store.get().readingFiles).toEqual([]);
    expect(store.get().isIngesting).toBe(false);
  });

  it('names the files of a drop still being read as the others finish: the slow one alone at the end', async () => {
    const shown = [store.get().readingFiles];
    const stop = store.subscribe(() => {
      const now = store.get().readingFiles;
      if (now.join() !== shown.at(-1)!.join()) shown.push(now);
    });
    await ingestFiles([file('hdf'), file('QC_Day.tif'), file('LST_Day_1km.tif')]);
    stop();
    const names = shown.slice(1).map((l) => l.map((n) => n.slice(stem.length + 1)));
    // Before, the three names stood until the whole drop was read.
    expect(names[0]).toEqual(['hdf', 'QC_Day.tif', 'LST_Day_1km.tif']);
    expect(names.at(-1)).toEqual([]);
    expect(names.at(-2)).toHaveLength(1);
    names.slice(1).forEach((l, i) => expect(names[i]).toEqual(expect.arrayContaining(l)));
    expect(store.get().inputs.length).toBeGreaterThan(3);
  });

  it('a Cancel after the read finished changes nothing', async () => {
    await ingestFiles([file('LST_Night_1km.tif')]);
    const s = store.get();
    cancelIngest();
    expect(store.get()).toBe(s);
    expect(s.inputs.map((i) => i.fileName)).toEqual([`${stem}.LST_Night_1km.tif`]);
    expect(s.notices.some((n) => n.startsWith('Reading of'))).toBe(false);
  });
});

const mendoza = path.resolve(__dirname, '../../../../shared/data/landsat8_mendoza_water');
const olinda = path.resolve(__dirname, '../../../../shared/data/olinda-landsat7-dem-stars');
const fileIn = (folder: string, name: string): File => new File([readFileSync(path.join(folder, name))], name);

describe.skipIf(!existsSync(mendoza) || !existsSync(olinda))('cancelling the read of a metadata file dropped alone', () => {
  it('keeps none of an MTL, ESPA metadata or .aux.xml whose read was cancelled, says so, and reads each when dropped again', async () => {
    const mtl = 'LC82320832016040LGN00_MTL.txt';
    const espa = 'LC82320832016040LGN00.xml';
    const aux = 'olinda_dem_utm25s.tif.aux.xml';
    seen.isHeldForCancel = true;
    for (const [folder, name] of [[mendoza, mtl], [mendoza, espa], [olinda, aux]]) {
      const p = ingestFiles([fileIn(folder, name)]);
      await workerReading();
      cancelIngest();
      await p;
    }
    // Before, the worker ignored the cancel of a read with no raster in it: the MTL and .aux.xml were
    // kept and the ESPA metadata added a row, with no word of the cancel.
    expect(seen.ended).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    let s = store.get();
    expect(s.inputs).toEqual([]);
    expect(s.fileKeys).toEqual([]);
    expect(s.notices).toEqual([mtl, espa, aux].map((n) => `Reading of ${n} cancelled: nothing was added to the table. Drop it again to read it.`));

    seen.isHeldForCancel = false;
    await ingestFiles([fileIn(mendoza, 'LC82320832016040LGN00_band10.tif'), fileIn(olinda, 'olinda_dem_utm25s.tif')]);
    s = store.get();
    expect(s.inputs.map((i) => [i.fileName, i.sidecar])).toEqual([
      ['LC82320832016040LGN00_band10.tif', undefined],
      ['olinda_dem_utm25s.tif', undefined],
    ]);
    await ingestFiles([fileIn(mendoza, mtl), fileIn(olinda, aux)]);
    s = store.get();
    expect(s.notices.slice(-2)).toEqual([
      `LC82320832016040LGN00_band10.tif was read again with the calibration of ${mtl}.`,
      `olinda_dem_utm25s.tif was read again with the scale, offset and nodata of ${aux}.`,
    ]);
    expect(s.inputs[0].sidecar).toBe(`calibrated with ${mtl}`);
  });

  it('keeps the .aux.xml of a finished drop when another drop of the same .aux.xml, begun before it, is cancelled', async () => {
    const aux = 'olinda_dem_utm25s.tif.aux.xml';
    const dem = 'olinda_dem_utm25s.tif';
    // The DEM's .aux.xml (statistics only) with a nodata of -1 (its lowest value, 1 pixel), so what it does shows on the row.
    const auxText = readFileSync(path.join(olinda, aux), 'utf8').replace('<PAMRasterBand band="1">', '<PAMRasterBand band="1">\n    <NoDataValue>-1</NoDataValue>');
    const auxFile = (): File => new File([auxText], aux);
    // The first drop's other file is held at its read until released: the drop stays in the worker, its
    // .aux.xml stored, while the second drop (the same .aux.xml and its DEM) is read and added.
    let release!: () => void;
    let isHeld = false;
    const gate = new Promise<void>((r) => (release = r));
    const held = new (class extends File {
      override async arrayBuffer(): Promise<ArrayBuffer> {
        isHeld = true;
        await gate;
        return super.arrayBuffer();
      }
    })([readFileSync(path.join(olinda, 'L7_ETMs.tif'))], 'L7_ETMs.tif');
    const first = ingestFiles([auxFile(), held]);
    while (!isHeld) await new Promise((r) => setTimeout(r));
    await ingestFiles([auxFile(), fileIn(olinda, dem)]);
    const row = store.get().inputs.find((i) => i.fileName === dem)!;
    expect(row.sidecar).toBe(`nodata -1 from ${aux}`);
    expect(row.validFraction).toBeLessThan(1);
    cancelIngest();
    release();
    await first;
    expect(seen.ended).toEqual(['read', 'CANCELLED']);
    let s = store.get();
    expect(s.inputs.map((i) => [i.fileName, i.sidecar])).toEqual([[dem, row.sidecar]]);
    expect(s.notices.at(-1)).toBe(`Reading of ${aux}, L7_ETMs.tif cancelled: nothing was added to the table. Drop them again to read them.`);
    // The DEM removed and dropped again is read with the .aux.xml its drop brought, as its row said. Before,
    // the cancelled drop put back the worker's sidecars as they were when it began: the DEM was read
    // without it (no nodata, no sidecar on the row).
    await removeInput(row);
    await ingestFiles([fileIn(olinda, dem)]);
    s = store.get();
    expect(s.inputs.map((i) => [i.fileName, i.sidecar])).toEqual([[dem, row.sidecar]]);
    expect(s.inputs[0].validFraction).toBe(row.validFraction);
    // (An error a preview of the test before may leave is not this test's.)
    expect(s.error?.message ?? '').not.toContain(row.id);
  });
});
