import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { IngestWatch } from '../../test-support/ingest-worker.ts';
import { cancelIngest, ingestFiles } from './actions.ts';
import { initialState, store } from './store.ts';

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

  it('a Cancel after the read finished changes nothing', async () => {
    await ingestFiles([file('LST_Night_1km.tif')]);
    const s = store.get();
    cancelIngest();
    expect(store.get()).toBe(s);
    expect(s.inputs.map((i) => i.fileName)).toEqual([`${stem}.LST_Night_1km.tif`]);
    expect(s.notices.some((n) => n.startsWith('Reading of'))).toBe(false);
  });
});
