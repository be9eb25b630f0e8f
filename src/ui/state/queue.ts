import { isAppError } from '../../core/errors.ts';
import type { Progress } from '../../core/progress.ts';

/** Progress of a whole queue: the item running, its own stage, and the share of the queue done with an ETA. */
export interface QueueProgress {
  /** 0-based index of the item running. */
  index: number;
  total: number;
  /** The running item's own progress report. */
  item: Progress;
  /** Share of the whole queue done, 0..1 (finished items plus the running item's share). */
  fraction: number;
  /** Seconds since the queue started. */
  elapsedS: number;
  /** Estimated seconds left for the whole queue, once an item has finished (the mean time of the finished ones). */
  etaS?: number;
}

/** How one item of a queue ended. */
export type QueueOutcome<T> =
  | { id: string; state: 'done'; value: T; seconds: number }
  | { id: string; state: 'failed'; error: unknown; seconds: number }
  | { id: string; state: 'cancelled' };

/**
 * Share of one run done, from its progress reports: a run that reports its plan (`step` of
 * `steps`, worker/run-progress.ts) counts the finished steps plus the running step's done/total;
 * reports before the plan (preparing, loading the model) count nothing. Never goes back (a step's
 * second stage restarts its tiles) and never reaches 1 before the run returns.
 */
export function runFraction(): (p: Progress) => number {
  let best = 0;
  return (p) => {
    if (p.step !== undefined && p.steps !== undefined && p.steps > 0) {
      const within = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      best = Math.max(best, Math.min(0.999, (p.step - 1 + within) / p.steps));
    }
    return best;
  };
}

/**
 * Seconds left of a queue at the mean time of its finished items: `notStarted` items, plus what
 * the running one (`runningS` in) has left of that mean (none once it took longer).
 */
export function itemsLeftS(finishedS: readonly number[], notStarted: number, runningS: number): number {
  const mean = finishedS.reduce((a, b) => a + b, 0) / finishedS.length;
  return mean * notStarted + Math.max(0, mean - runningS);
}

/**
 * Runs `runOne` for each id in turn, with one progress for the whole queue (share done, and an
 * ETA once an item has finished, from the time the finished items took; none before). A failed item is reported through `onItem` and the queue
 * goes on; an abort of `signal` stops it: the running item and those not started are reported
 * `cancelled`, finished ones stay as they are. `runOne` reports its own share done (0..1) with its
 * progress. Resolves with every item's outcome, in queue order.
 */
export async function runQueue<T>(
  ids: readonly string[],
  runOne: (id: string, index: number, opts: { signal: AbortSignal; onProgress: (p: Progress, fraction: number) => void }) => Promise<T>,
  opts: { signal: AbortSignal; onProgress?: (q: QueueProgress) => void; onItem?: (o: QueueOutcome<T>, index: number) => void; now?: () => number },
): Promise<QueueOutcome<T>[]> {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const outcomes: QueueOutcome<T>[] = [];
  /** Seconds each finished item took (done or failed). */
  const finishedS: number[] = [];
  const finish = (o: QueueOutcome<T>, i: number) => {
    outcomes.push(o);
    if (o.state !== 'cancelled') finishedS.push(o.seconds);
    opts.onItem?.(o, i);
  };
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (opts.signal.aborted) {
      finish({ id, state: 'cancelled' }, i);
      continue;
    }
    const start = now();
    const report = (p: Progress, itemFraction: number) => {
      const fraction = Math.min(0.999, (i + Math.max(0, Math.min(1, itemFraction))) / ids.length);
      const elapsedS = (now() - t0) / 1000;
      // Only whole items measure what an item costs (every method, stage, check and weight of a
      // date): the share of one item done says nothing of the time its later parts take.
      const etaS = finishedS.length > 0 ? itemsLeftS(finishedS, ids.length - i - 1, (now() - start) / 1000) : undefined;
      opts.onProgress?.({ index: i, total: ids.length, item: p, fraction, elapsedS, ...(etaS !== undefined ? { etaS } : {}) });
    };
    report({ stage: 'starting', done: 0, total: 1 }, 0);
    try {
      const value = await runOne(id, i, { signal: opts.signal, onProgress: report });
      finish({ id, state: 'done', value, seconds: (now() - start) / 1000 }, i);
    } catch (error) {
      const isCancel = opts.signal.aborted || (isAppError(error) && error.code === 'CANCELLED');
      if (isCancel) finish({ id, state: 'cancelled' }, i);
      else finish({ id, state: 'failed', error, seconds: (now() - start) / 1000 }, i);
    }
  }
  return outcomes;
}
