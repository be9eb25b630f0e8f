import { useAppState } from '../state/store.ts';

function formatEta(s: number): string {
  if (s < 1) return '<1 s';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.round(s / 60)} min`;
}

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
      <span className="label">
        {p.stage} · {p.done}/{p.total}
        {p.detail ? ` · ${p.detail}` : ''}
        {p.etaS !== undefined ? ` · about ${formatEta(p.etaS)} left` : ''}
      </span>
    </div>
  );
}
