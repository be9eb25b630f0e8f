import { finishStepsAsync, type Steps } from '../core/progress.ts';

/** Runs `steps` to their end in one go: how many times they yielded, and their result. */
export function runCountingYields<T>(steps: Steps<T>): { yields: number; value: T } {
  let yields = 0;
  for (let r = steps.next(); ; r = steps.next()) {
    if (r.done) return { yields, value: r.value };
    yields++;
  }
}

/**
 * Runs `steps` with `finishStepsAsync` under a signal that a timer aborts while their first block
 * runs: the cancel then lands at the check after that block. Returns the CANCELLED error (or
 * whatever ended it) and the blocks that ran.
 */
export async function cancelDuringFirstBlock<T>(steps: Steps<T>): Promise<{ error: unknown; blocks: number }> {
  const ac = new AbortController();
  let blocks = 0;
  const counted = (function* (): Steps<T> {
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      if (++blocks === 1) setTimeout(() => ac.abort(), 0);
      yield;
    }
  })();
  try {
    await finishStepsAsync(counted, ac.signal);
    return { error: undefined, blocks };
  } catch (error) {
    return { error, blocks };
  }
}

/** Bytes of ArrayBuffers this process holds more after the first part of `steps` than before it (a stepped job's working arrays). */
export function arrayBytesAtFirstStep<T>(steps: Steps<T>): number {
  const before = process.memoryUsage().arrayBuffers;
  steps.next();
  return process.memoryUsage().arrayBuffers - before;
}
