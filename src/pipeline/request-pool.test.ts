import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import { CancelRegistry, startRequestPool, type PoolCancel, type WorkerPort } from './request-pool.ts';

type Req = { id: number; n: number } | PoolCancel;

/** A worker that keeps what it is sent and answers when the test says. */
function heldWorker(): { sent: Req[]; reply: (m: object) => void; spawn: () => WorkerPort<Req> } {
  const sent: Req[] = [];
  let handler: (m: unknown) => void = () => undefined;
  return {
    sent,
    reply: (m) => handler(m),
    spawn: () => ({
      postMessage: (m) => void sent.push(m),
      onMessage: (h) => {
        handler = h;
      },
    }),
  };
}

const errors = { reply: (_: string, e: string) => new Error(e), stopped: (_: string, why: string) => new Error(why), failed: 'the worker stopped' };

describe('request pool cancels', () => {
  it('never sends a request whose signal fired before it was posted, and rejects it as cancelled', async () => {
    const w = heldWorker();
    const pool = startRequestPool<Req, { id: number; done: true }, string, string>(w.spawn, 1, errors);
    const ctrl = new AbortController();
    ctrl.abort();
    const e = await pool.post(pool.idlest()!, (id) => ({ id, n: 1 }), [], 'a', ctrl.signal).catch((x: unknown) => x);
    expect(isAppError(e) && e.code).toBe('CANCELLED');
    expect(w.sent).toEqual([]);
  });

  it('sends a cancel for a request in flight and rejects it as cancelled once the worker says it stopped; it stays in flight until then', async () => {
    const a = heldWorker();
    const b = heldWorker();
    const spawns = [a.spawn, b.spawn];
    const pool = startRequestPool<Req, { id: number; done: true }, string, string>(() => spawns.shift()!(), 2, errors);
    const ctrl = new AbortController();
    const slot = pool.idlest()!;
    const pending = pool.post(slot, (id) => ({ id, n: 1 }), [], 'a', ctrl.signal).catch((x: unknown) => x);
    const id = (a.sent[0] as { id: number }).id;
    ctrl.abort();
    expect(a.sent).toEqual([{ id, n: 1 }, { id, cancel: true }]);
    // The worker is still at it until it answers: the next request goes to the other one.
    expect(pool.idlest()).not.toBe(slot);
    a.reply({ id, cancelled: true });
    const e = await pending;
    expect(isAppError(e) && e.code).toBe('CANCELLED');
    expect(b.sent).toEqual([]);
  });

  it('resolves a request the worker finished before the cancel reached it, and sends no cancel once it is answered', async () => {
    const w = heldWorker();
    const pool = startRequestPool<Req, { id: number; done: true }, string, string>(w.spawn, 1, errors);
    const early = new AbortController();
    const first = pool.post(pool.idlest()!, (id) => ({ id, n: 1 }), [], 'a', early.signal);
    const id = (w.sent[0] as { id: number }).id;
    early.abort();
    w.reply({ id, done: true });
    expect(await first).toEqual({ id, done: true });
    const late = new AbortController();
    const second = pool.post(pool.idlest()!, (i) => ({ id: i, n: 2 }), [], 'b', late.signal);
    const id2 = (w.sent[2] as { id: number }).id;
    w.reply({ id: id2, done: true });
    await second;
    late.abort();
    expect(w.sent).toEqual([{ id, n: 1 }, { id, cancel: true }, { id: id2, n: 2 }]);
  });
});

describe('CancelRegistry (the worker side)', () => {
  it('fires the signal of a request still queued behind another, forgets a settled one, and ignores unknown ids', async () => {
    const reg = new CancelRegistry();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const first = reg.track(1, async (signal) => {
      await gate;
      seen.push(`1 ${signal.aborted}`);
    });
    // The second waits behind the first, as a worker's queue does; its cancel comes while it waits.
    const second = reg.track(2, (signal) => first.then(() => void seen.push(`2 ${signal.aborted}`)));
    expect(reg.size).toBe(2);
    reg.cancel(2);
    reg.cancel(99);
    release();
    await second;
    expect(seen).toEqual(['1 false', '2 true']);
    expect(reg.size).toBe(0);
    // A request whose work failed is forgotten too.
    await expect(reg.track(3, () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(reg.size).toBe(0);
  });

  it('keeps a reused id open until its latest work settles', async () => {
    const reg = new CancelRegistry();
    let releaseOld!: () => void;
    const old = reg.track(5, () => new Promise<void>((r) => (releaseOld = r)));
    let newer!: AbortSignal;
    let releaseNew!: () => void;
    const next = reg.track(5, (signal) => ((newer = signal), new Promise<void>((r) => (releaseNew = r))));
    releaseOld();
    await old;
    reg.cancel(5);
    expect(newer.aborted).toBe(true);
    releaseNew();
    await next;
    expect(reg.size).toBe(0);
  });
});
