import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { runQueue, stageFraction, type QueueOutcome, type QueueProgress } from './queue.ts';

/** A clock the test moves by hand (ms). */
function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('runQueue', () => {
  it('runs every item in order and reports one share done and ETA for the whole queue', async () => {
    const c = clock();
    const seen: QueueProgress[] = [];
    const out = await runQueue(
      ['a', 'b', 'c', 'd'],
      async (id, i, { onProgress }) => {
        c.advance(1000);
        onProgress({ stage: 'work', done: 1, total: 2 }, 0.5);
        c.advance(1000);
        return `${id}${i}`;
      },
      { signal: new AbortController().signal, onProgress: (q) => seen.push(q), now: c.now },
    );
    expect(out.map((o) => o.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(out.map((o) => (o.state === 'done' ? o.value : ''))).toEqual(['a0', 'b1', 'c2', 'd3']);
    expect(out.every((o) => o.state === 'done' && o.seconds === 2)).toBe(true);
    const halfOfSecond = seen.find((q) => q.index === 1 && q.item.stage === 'work')!;
    // 1.5 of 4 items done after 3 s: 5 s left at that rate.
    expect(halfOfSecond.fraction).toBeCloseTo(1.5 / 4, 9);
    expect(halfOfSecond.elapsedS).toBe(3);
    expect(halfOfSecond.etaS).toBeCloseTo(5, 9);
    expect(seen.map((q) => q.fraction)).toEqual([...seen.map((q) => q.fraction)].sort((x, y) => x - y));
  });

  it('reports a failed item with its error and goes on with the next', async () => {
    const items: QueueOutcome<number>[] = [];
    const out = await runQueue(
      ['ok1', 'bad', 'ok2'],
      async (id) => {
        if (id === 'bad') throw new AppError('DATE_MISMATCH', 'NDVI too far');
        return 1;
      },
      { signal: new AbortController().signal, onItem: (o) => items.push(o) },
    );
    expect(out.map((o) => o.state)).toEqual(['done', 'failed', 'done']);
    const failed = out[1] as Extract<QueueOutcome<number>, { state: 'failed' }>;
    expect((failed.error as AppError).code).toBe('DATE_MISMATCH');
    expect(items.map((o) => o.id)).toEqual(['ok1', 'bad', 'ok2']);
  });

  it('cancel stops the queue: finished items stay done, the running and later ones are cancelled', async () => {
    const ctrl = new AbortController();
    const started: string[] = [];
    const out = await runQueue(
      ['a', 'b', 'c', 'd'],
      (id, _i, { signal }) => {
        started.push(id);
        if (id !== 'b') return Promise.resolve(id);
        // The item running when the user cancels ends with CANCELLED, as the worker client does.
        return new Promise<string>((_, reject) => {
          signal.addEventListener('abort', () => reject(new AppError('CANCELLED', 'cancelled')));
          ctrl.abort();
        });
      },
      { signal: ctrl.signal },
    );
    expect(out.map((o) => `${o.id}:${o.state}`)).toEqual(['a:done', 'b:cancelled', 'c:cancelled', 'd:cancelled']);
    expect(started).toEqual(['a', 'b']);
  });
});

describe('stageFraction', () => {
  it('counts finished stages as units and the running stage by its done/total', () => {
    const f = stageFraction(4);
    expect(f({ stage: 'prepare', done: 1, total: 1 })).toBeCloseTo(0.25, 9);
    expect(f({ stage: 'stage 1', done: 1, total: 4 })).toBeCloseTo((1 + 0.25) / 4, 9);
    expect(f({ stage: 'stage 2', done: 2, total: 2 })).toBeCloseTo(3 / 4, 9);
    // Never claims the run finished before it returns.
    expect(f({ stage: 'a', done: 1, total: 1 })).toBeLessThan(1);
    expect(f({ stage: 'b', done: 1, total: 1 })).toBeLessThan(1);
  });
});
