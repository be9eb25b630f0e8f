import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors.ts';
import { throwIfAborted, type RunOptions } from '../core/progress.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import { testGrid, testRaster } from '../pipeline/test-scenes.ts';
import { fromWireError } from './client.ts';
import type { FromWorker, RequestMessage } from './protocol.ts';
import { serveRequests, toWireError } from './serve.ts';

/** A request whose work the test finishes: `finish()` ends it, checking the signal first (as a run does before its layers replace the earlier ones). */
function controlled() {
  let finish: () => void = () => undefined;
  let commits = 0;
  const dispatch = (_msg: RequestMessage, opts: RunOptions): Promise<unknown> =>
    new Promise((resolve, reject) => {
      finish = () => {
        try {
          throwIfAborted(opts.signal);
          commits++;
          resolve({ ok: true });
        } catch (e) {
          reject(e);
        }
      };
    });
  const posted: FromWorker[] = [];
  const serve = serveRequests(dispatch, (m) => posted.push(m));
  return { serve, posted, finish: () => finish(), commits: () => commits };
}

const request: RequestMessage<'removeInput'> = { type: 'request', id: 7, name: 'removeInput', params: { id: 'a' } };
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('serveRequests (the worker side of a cancel)', () => {
  it('answers a request cancelled before its work finished with CANCELLED, having committed nothing', async () => {
    const w = controlled();
    w.serve(request);
    w.serve({ type: 'cancel', id: 7 });
    w.finish();
    await settle();
    expect(w.commits()).toBe(0);
    expect(w.posted).toEqual([{ type: 'error', id: 7, error: { code: 'CANCELLED', message: expect.any(String) as string, file: undefined } }]);
  });

  it('answers with the result when the work had finished before the cancel came (the cancel lost)', async () => {
    const w = controlled();
    w.serve(request);
    w.finish();
    // The cancel arrives after the work committed but before the answer was posted, and again after it.
    w.serve({ type: 'cancel', id: 7 });
    await settle();
    w.serve({ type: 'cancel', id: 7 });
    expect(w.commits()).toBe(1);
    expect(w.posted).toEqual([{ type: 'result', id: 7, result: { ok: true } }]);
  });

  it('answers a request that failed once cancelled as cancelled, and one that failed uncancelled with its own error', async () => {
    const failing = (e: unknown) => () => Promise.reject(e);
    const posted: FromWorker[] = [];
    const serve = serveRequests(failing(new AppError('CORRUPT_TIFF', 'a.tif is truncated', { file: 'a.tif' })), (m) => posted.push(m));
    serve(request);
    await settle();
    expect(posted).toEqual([{ type: 'error', id: 7, error: { code: 'CORRUPT_TIFF', message: 'a.tif is truncated', file: 'a.tif' } }]);
    const late: FromWorker[] = [];
    const cancelled = serveRequests(
      (_m, opts) => new Promise((_res, reject) => opts.signal!.addEventListener('abort', () => reject(new Error('socket closed')))),
      (m) => late.push(m),
    );
    cancelled(request);
    cancelled({ type: 'cancel', id: 7 });
    await settle();
    expect(late.map((m) => m.type === 'error' && m.error.code)).toEqual(['CANCELLED']);
  });
});

describe('an error crossing the worker boundary', () => {
  it('carries the guide an LST has no clear pixel under, as the scene preparation names it', () => {
    // Clear only in its 17th column, which the 16 km NDVI does not reach.
    const lst = testRaster(testGrid(17, 17, 1000), (c) => (c === 16 ? 300 : NaN));
    const ndvi = testRaster(testGrid(64, 64, 250), () => 0.4);
    let thrown: unknown;
    try {
      prepareScene({ lst, aux: { ndvi }, names: { lst: 'lst.tif', ndvi: 'ndvi.tif' } });
    } catch (e) {
      thrown = e;
    }
    const wire = toWireError(thrown);
    expect(wire).toMatchObject({ code: 'ALL_NODATA', file: 'lst.tif', outsideOf: 'ndvi.tif' });
    expect(toWireError(fromWireError(wire))).toEqual(wire);
  });
});
