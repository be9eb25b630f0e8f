import { useAppState } from '../state/store.ts';

/** Says so when the results on screen no longer match the inputs (and what to do). */
export function StaleBanner() {
  const stale = useAppState((s) => s.stale);
  if (!stale) return null;
  return (
    <p className="warn stale" role="status" data-testid="stale">
      {stale}
    </p>
  );
}
