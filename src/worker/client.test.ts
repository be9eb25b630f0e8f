import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import { WorkerClient } from './client.ts';
import type { FromWorker, RequestMessage, ToWorker } from './protocol.ts';

/** A stand-in for a Worker: records what is posted and lets the test answer. */
class FakeWorker {
  onmessage: ((ev: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  posted: { msg: ToWorker; transfer: Transferable[] }[] = [];
  postMessage(msg: ToWorker, transfer: Transferable[] = []): void {
    this.posted.push({ msg, transfer });
  }
  reply(msg: FromWorker): void {
    this.onmessage?.({ data: msg } as MessageEvent<FromWorker>);
  }
  terminate(): void {}
}

function setup() {
  const fake = new FakeWorker();
  const client = new WorkerClient(fake as unknown as Worker);
  return { fake, client };
}

describe('worker client', () => {
  it('resolves a request with its own result and reports its progress', async () => {
    const { fake, client } = setup();
    const seen: number[] = [];
    const p = client.call('removeInput', { id: 'in1' }, { onProgress: (pr) => seen.push(pr.done) });
    const req = fake.posted[0].msg;
    expect(req).toMatchObject({ type: 'request', name: 'removeInput', params: { id: 'in1' } });
    const id = (req as { id: number }).id;
    fake.reply({ type: 'progress', id, progress: { stage: 's', done: 1, total: 2 } });
    fake.reply({ type: 'result', id: id + 100, result: { ok: false } });
    fake.reply({ type: 'result', id, result: { ok: true } });
    await expect(p).resolves.toEqual({ ok: true });
    expect(seen).toEqual([1]);
  });

  it('rejects with the AppError code, message and file the worker sent', async () => {
    const { fake, client } = setup();
    const p = client.call('exportGeoTiff', { layerId: 'x' });
    const id = (fake.posted[0].msg as { id: number }).id;
    fake.reply({ type: 'error', id, error: { code: 'NOT_GEOTIFF', message: 'bad', file: 'a.txt' } });
    const e = await p.catch((x: unknown) => x);
    expect(isAppError(e) && e.code).toBe('NOT_GEOTIFF');
    expect(isAppError(e) && e.file).toBe('a.txt');
  });

  it('forwards an abort as a cancel message and rejects as CANCELLED once the worker says the cancel stopped it', async () => {
    const { fake, client } = setup();
    const ctrl = new AbortController();
    const seen: number[] = [];
    const p = client.call('removeInput', { id: 'in1' }, { signal: ctrl.signal, onProgress: (pr) => seen.push(pr.done) });
    let settled = false;
    void p.then(
      () => (settled = true),
      () => (settled = true),
    );
    ctrl.abort();
    const id = (fake.posted[0].msg as { id: number }).id;
    expect(fake.posted[1].msg).toEqual({ type: 'cancel', id });
    // Until the worker answers, the request may still have finished: nothing is settled yet, and
    // progress of a request being cancelled is no longer shown.
    fake.reply({ type: 'progress', id, progress: { stage: 's', done: 1, total: 2 } });
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(seen).toEqual([]);
    fake.reply({ type: 'error', id, error: { code: 'CANCELLED', message: 'The operation was cancelled.' } });
    const e = await p.catch((x: unknown) => x);
    expect(isAppError(e) && e.code).toBe('CANCELLED');
    // A second answer for the same request settles nothing, not even the next request.
    const next = client.call('removeInput', { id: 'in2' });
    let isNextSettled = false;
    void next.then(() => (isNextSettled = true));
    fake.reply({ type: 'result', id, result: { ok: true } });
    await Promise.resolve();
    expect(isNextSettled).toBe(false);
    fake.reply({ type: 'result', id: fake.posted[2].msg.id, result: { ok: false } });
    await expect(next).resolves.toEqual({ ok: false });
  });

  it('resolves with the result when the worker had finished before the cancel reached it (the cancel lost)', async () => {
    const { fake, client } = setup();
    const ctrl = new AbortController();
    const p = client.call('removeInput', { id: 'in1' }, { signal: ctrl.signal });
    const id = (fake.posted[0].msg as { id: number }).id;
    ctrl.abort();
    expect(fake.posted[1].msg).toEqual({ type: 'cancel', id });
    // The worker had already posted its result (its layers replaced the earlier ones): the call ends with it.
    fake.reply({ type: 'result', id, result: { ok: true } });
    await expect(p).resolves.toEqual({ ok: true });
  });

  it('rejects at once, posting nothing, when the signal is aborted before the call', async () => {
    const { fake, client } = setup();
    const ctrl = new AbortController();
    ctrl.abort();
    const e = await client.call('removeInput', { id: 'in1' }, { signal: ctrl.signal }).catch((x: unknown) => x);
    expect(isAppError(e) && e.code).toBe('CANCELLED');
    expect(fake.posted).toEqual([]);
  });

  it('types each request message by its name (params of another request do not compile)', () => {
    const ok: RequestMessage<'removeInput'> = { type: 'request', id: 1, name: 'removeInput', params: { id: 'a' } };
    // @ts-expect-error exportGeoTiff's params are not removeInput's
    const bad: RequestMessage<'removeInput'> = { type: 'request', id: 2, name: 'removeInput', params: { layerId: 'a' } };
    const layerOf = (m: ToWorker): string | undefined => (m.type === 'request' && m.name === 'exportGeoTiff' ? m.params.layerId : undefined);
    const exportMsg: ToWorker = { type: 'request', id: 3, name: 'exportGeoTiff', params: { layerId: 'lst-250m' } };
    expect([ok.params.id, bad.id, layerOf(ok), layerOf(exportMsg)]).toEqual(['a', 2, undefined, 'lst-250m']);
  });

  it('transfers the buffers it is given instead of copying them', () => {
    const { fake, client } = setup();
    const buf = new ArrayBuffer(8);
    void client.call(
      'exportZip',
      { report: {}, extraFiles: [{ name: 'a', bytes: buf }] },
      { transfer: [buf] },
    );
    expect(fake.posted[0].transfer).toEqual([buf]);
  });
});
