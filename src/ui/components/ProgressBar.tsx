import { progressText } from '../progress-text.ts';
import { useAppState, type ProgressState } from '../state/store.ts';

/** One bar for the whole run (every date of a queue): stage, tile and the ETA of the whole run. */
export function ProgressBar() {
  const p = useAppState((s) => s.progress);
  if (!p) return null;
  return <ProgressLine p={p} testId="progress" />;
}

/** A progress bar with its line of text (a run's, an export's). */
export function ProgressLine({ p, testId }: { p: ProgressState; testId: string }) {
  const frac = p.fraction ?? (p.total > 0 ? Math.min(1, p.done / p.total) : 0);
  return (
    <div
      className="progress"
      data-testid={testId}
      role="progressbar"
      aria-valuenow={Math.round(frac * 100)}
      aria-valuemin={0}
      aria-valuemax={100}
    >
      <div className="bar" style={{ width: `${(frac * 100).toFixed(1)}%` }} />
      <span className="label">{progressText(p)}</span>
    </div>
  );
}
