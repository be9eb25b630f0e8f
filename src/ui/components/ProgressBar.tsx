import { useAppState } from '../state/store.ts';

function formatEta(s: number): string {
  if (s < 1) return '<1 s';
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.round(s / 60)} min`;
}

/** Stage, tile and ETA of the running job. */
export function ProgressBar() {
  const p = useAppState((s) => s.progress);
  if (!p) return null;
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
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
        {p.etaS !== undefined && p.done < p.total ? ` · about ${formatEta(p.etaS)} left` : ''}
      </span>
    </div>
  );
}
