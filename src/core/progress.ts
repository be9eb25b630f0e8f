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

/** Yields to the event loop so cancel messages and UI updates get through. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
