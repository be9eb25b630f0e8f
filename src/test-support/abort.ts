import type { Progress } from '../core/progress.ts';

/**
 * Run options that cancel a run from inside its own progress callback, once `afterDone` steps are
 * reported: tests of "cancel mid-run" use it, so the abort lands after work has started. `seen`
 * collects every reported `done`.
 */
export function abortAfterProgress(afterDone: number): {
  signal: AbortSignal;
  onProgress: (p: Progress) => void;
  seen: number[];
} {
  const ac = new AbortController();
  const seen: number[] = [];
  return {
    signal: ac.signal,
    onProgress: (p) => {
      seen.push(p.done);
      if (p.done === afterDone) ac.abort();
    },
    seen,
  };
}
