import { pickScene } from '../state/actions.ts';
import { useAppState } from '../state/store.ts';

/**
 * The date of a finished series the map shows: a keyboard-accessible slider (arrows, Home, End)
 * over the finished dates, with the date in words. Layers, legend, inspector and trust panel follow it.
 */
export function DateSlider() {
  const series = useAppState((s) => s.series);
  const shown = useAppState((s) => s.resultScene?.id);
  const done = series.filter((d) => d.state === 'done');
  if (series.length < 2 || done.length === 0) return null;
  const index = Math.max(0, done.findIndex((d) => d.sceneId === shown));
  const go = (i: number) => {
    const d = done[Math.min(done.length - 1, Math.max(0, i))];
    if (d && d.sceneId !== shown) pickScene(d.sceneId);
  };
  const failed = series.filter((d) => d.state === 'failed').length;
  return (
    <div className="date-slider" data-testid="date-slider">
      <button type="button" aria-label="Previous date" disabled={index === 0} onClick={() => go(index - 1)}>
        ‹
      </button>
      <input
        type="range"
        data-testid="date-range"
        aria-label="Date shown on the map"
        aria-valuetext={done[index]?.sceneId}
        min={0}
        max={Math.max(0, done.length - 1)}
        step={1}
        value={index}
        disabled={done.length < 2}
        onChange={(e) => go(Number(e.target.value))}
      />
      <button type="button" aria-label="Next date" disabled={index >= done.length - 1} onClick={() => go(index + 1)}>
        ›
      </button>
      <strong data-testid="date-shown">{done[index]?.sceneId}</strong>
      <span className="muted small">
        {index + 1} of {done.length} finished dates
        {done.length < series.length ? ` (${series.length} queued${failed ? `, ${failed} failed` : ''})` : ''}
      </span>
    </div>
  );
}
