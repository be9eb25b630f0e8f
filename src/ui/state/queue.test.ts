import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.ts';
import { itemsLeftS, runFraction, runQueue, type QueueOutcome, type QueueProgress } from './queue.ts';

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

describe('the ETA of a queue', () => {
  it('says no time while the first item runs, whatever share of it the item reports done', async () => {
    const c = clock();
    const seen: QueueProgress[] = [];
    // An 'All (compare)' date: SRDA-Net's detail weight, four methods of two stages, the check; the
    // last reports of a part come 1 s apart, later parts take 10 s each.
    const steps = 6;
    await runQueue(
      ['a', 'b', 'c'],
      async (_id, _i, { onProgress }) => {
        const frac = runFraction();
        for (let step = 1; step <= steps; step++)
          for (let done = 1; done <= 25; done++) {
            c.advance(step === 1 ? 40 : 400);
            const p = { stage: 'stage 1', done, total: 25, step, steps };
            onProgress(p, frac(p));
          }
        return 0;
      },
      { signal: new AbortController().signal, onProgress: (q) => seen.push(q), now: c.now },
    );
    expect(seen.filter((q) => q.index === 0).every((q) => q.etaS === undefined)).toBe(true);
    // Each date took 1 + 5 * 10 = 51 s: at the first report of the second date the queue has
    // one more date and almost all of this one left (51 s each), whatever the first part's pace.
    const second = seen.find((q) => q.index === 1 && q.item.done === 1 && q.item.step === 1)!;
    expect(second.etaS).toBeCloseTo(51 + (51 - 0.04), 6);
    const lastOfSecond = seen.filter((q) => q.index === 1).at(-1)!;
    expect(lastOfSecond.etaS).toBeCloseTo(51, 6);
    const lastOfThird = seen.at(-1)!;
    expect(lastOfThird.etaS).toBe(0);
  });

  it('counts the items not started at the mean of the finished ones, and nothing for a running one past that mean', () => {
    expect(itemsLeftS([10, 30], 3, 5)).toBe(20 * 3 + 15);
    expect(itemsLeftS([10, 30], 1, 45)).toBe(20);
  });
});

describe('runFraction', () => {
  it('counts the finished steps of the plan and the running step by its done/total, never going back', () => {
    const f = runFraction();
    expect(f({ stage: 'preparing', done: 1, total: 1 })).toBe(0);
    expect(f({ stage: 'SRDA-Net detail weight: SRDA-Net, stage 1', done: 1, total: 4, step: 1, steps: 4 })).toBeCloseTo(0.25 / 4, 9);
    // The detail weight's bicubic windows finish first: the step is done as far as its tiles say.
    expect(f({ stage: 'SRDA-Net detail weight: Bicubic, stage 1', done: 4, total: 4, step: 1, steps: 4 })).toBeCloseTo(1 / 4, 9);
    expect(f({ stage: 'SRDA-Net detail weight: SRDA-Net, stage 1', done: 2, total: 4, step: 1, steps: 4 })).toBeCloseTo(1 / 4, 9);
    expect(f({ stage: 'Bicubic, stage 2 of 2', done: 1, total: 2, step: 3, steps: 4 })).toBeCloseTo(2.5 / 4, 9);
    // A stage 2 restarting its tiles does not move the bar back.
    expect(f({ stage: 'Bicubic, stage 1 of 2', done: 0, total: 2, step: 3, steps: 4 })).toBeCloseTo(2.5 / 4, 9);
    // Never claims the run finished before it returns.
    expect(f({ stage: 'closed-loop check', done: 4, total: 4, step: 4, steps: 4 })).toBeLessThan(1);
  });
});
