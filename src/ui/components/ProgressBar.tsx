import { progressText } from '../progress-text.ts';
import { useAppState } from '../state/store.ts';

/** One bar for the whole run (every date of a queue): stage, tile and the ETA of the whole run. */
export function ProgressBar() {
  const p = useAppState((s) => s.progress);
  if (!p) return null;
  const frac = p.fraction ?? (p.total > 0 ? Math.min(1, p.done / p.total) : 0);
  return (
    <div
      className="progress"
      data-testid="progress"
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
