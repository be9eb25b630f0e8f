import { AppError } from './errors.ts';

/** Progress of a long operation: `done` of `total` units within a named stage. */
export interface Progress {
  stage: string;
  done: number;
  total: number;
  /** Optional free text (tile index, current loss). */
  detail?: string;
  /** Which of the run's `steps` parts this report is of (1-based), where the run knows its plan. */
  step?: number;
  steps?: number;
  /** The named parts not done yet, where the work is of several at once (the files a read is still reading). */
  left?: string[];
}

/** Options every async operation over ~100 ms takes. */
export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** Throws a CANCELLED AppError when the signal has fired. Call between tiles, epochs, stages. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new AppError('CANCELLED', 'The operation was cancelled.');
}

/**
 * `p`, or a CANCELLED AppError as soon as `signal` fires, whichever comes first: for a wait on work
 * elsewhere (another thread) that cannot be stopped mid-way; that work goes on and its outcome is
 * dropped.
 */
export function untilAborted<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new AppError('CANCELLED', 'The operation was cancelled.'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AppError('CANCELLED', 'The operation was cancelled.'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Yields to the event loop so cancel messages and UI updates get through. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Work done in steps: a generator that yields between the parts of one long synchronous job (a
 * block of rows), where a caller may pause, and returns the job's result.
 */
export type Steps<T> = Generator<void, T>;

/** Output pixels a stepped raster job (`Steps`) computes between two yields: a block of rows, ~50-100 ms on one core. */
export const STEP_PX = 1 << 20;

/** Runs `steps` to their end without pausing: the synchronous form of a stepped job. */
export function finishSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs `steps` to their end, checking `signal` before each part and yielding to the event loop
 * after it (so a cancel message gets in): a CANCELLED AppError as soon as it fires.
 */
export async function finishStepsAsync<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  for (;;) {
    throwIfAborted(signal);
    const r = steps.next();
    if (r.done) return r.value;
    await yieldToEventLoop();
  }
}
