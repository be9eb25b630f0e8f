import { useEffect, useRef } from 'react';
import { pickScene, updateSettings } from '../state/actions.ts';
import { awayGuideText, failureText } from '../state/series.ts';
import { useAppState, type SeriesDate } from '../state/store.ts';
import type { ScenePreview } from '../../worker/protocol.ts';

type Row = ScenePreview['scenes'][number];

function guideText(r: Row): string {
  return (r.guides ?? [])
    .map((g) => `${g.role.toUpperCase()} ${g.date ?? 'undated'}${g.days ? ` (${g.days} d away)` : ''}`)
    .join(', ');
}

function stateText(d: SeriesDate | undefined): string {
  if (!d) return '';
  if (d.state === 'done') return `done in ${(d.seconds ?? 0).toFixed(1)} s`;
  if (d.state === 'failed') return `failed: ${d.error ? failureText(d.error) : 'unknown error'}`;
  return d.state;
}

/**
 * The dates among the dropped files, as the queue runs them: per date the LST, the guides that stand
 * in (with their dates), whether a guide is beyond the max date gap, and how its run went.
 */
export function SeriesList({ scenes }: { scenes: Row[] }) {
  const settings = useAppState((s) => s.settings);
  const series = useAppState((s) => s.series);
  const isRunning = useAppState((s) => s.status === 'running');
  const fromId = settings.seriesFrom ?? scenes[0].id;
  const toId = settings.seriesTo ?? scenes[scenes.length - 1].id;
  const i0 = Math.max(0, scenes.findIndex((g) => g.id === fromId));
  const i1 = Math.max(0, scenes.findIndex((g) => g.id === toId));
  const inQueue = (i: number) => settings.runAllDates && i >= Math.min(i0, i1) && i <= Math.max(i0, i1);
  const count = Math.abs(i1 - i0) + 1;
  const byId = new Map(series.map((d) => [d.sceneId, d]));
  const list = useRef<HTMLOListElement>(null);
  const focusId = settings.sceneId ?? fromId;
  // Keeps the picked date (or the queue's first) in view inside the scrolling list, not the page.
  useEffect(() => {
    const ol = list.current;
    const li = ol?.querySelector<HTMLElement>(`[data-date="${CSS.escape(focusId)}"]`);
    if (ol && li) ol.scrollTop = Math.max(0, li.offsetTop - ol.clientHeight / 3);
  }, [focusId]);
  return (
    <div className="series" data-testid="series">
      <label>
        <input
          type="checkbox"
          data-testid="run-all-dates"
          checked={settings.runAllDates}
          disabled={isRunning}
          onChange={(e) => updateSettings({ runAllDates: e.target.checked })}
        />{' '}
        Run {settings.runAllDates ? count : 'all'} dates as a queue
      </label>{' '}
      {settings.runAllDates && (
        <span className="small">
          from{' '}
          <select data-testid="series-from" value={fromId} disabled={isRunning} onChange={(e) => updateSettings({ seriesFrom: e.target.value })}>
            {scenes.map((g) => (
              <option key={g.id} value={g.id}>
                {g.id}
              </option>
            ))}
          </select>{' '}
          to{' '}
          <select data-testid="series-to" value={toId} disabled={isRunning} onChange={(e) => updateSettings({ seriesTo: e.target.value })}>
            {scenes.map((g) => (
              <option key={g.id} value={g.id}>
                {g.id}
              </option>
            ))}
          </select>
        </span>
      )}
      <ol ref={list} className="series-list" data-testid="series-list" aria-label="Dates among the files">
        {scenes.map((g, i) => {
          const d = byId.get(g.id);
          const state = d?.state ?? (inQueue(i) ? 'queued' : 'not-queued');
          return (
            <li key={g.id} data-testid="series-date" data-date={g.id} data-state={state} className={`series-${state}${g.id === settings.sceneId ? ' picked' : ''}`}>
              <button type="button" className="link" onClick={() => pickScene(g.id)} title="Show this date (its scene above, its results on the map)">
                {g.id}
              </button>{' '}
              <span className="muted small">{guideText(g)}</span>
              {g.overGap && g.overGap.length > 0 && (
                <span className="warn-text small" data-testid="series-over-gap">
                  {' '}
                  · {g.overGap.join(', ')} beyond the max date gap
                </span>
              )}
              {awayGuideText(g) && (
                <span className="warn-text small" data-testid="series-away" title={g.awayGuides!.map((a) => `${a.name} (${a.role}) covers another place than this date's LST`).join('; ')}>
                  {' '}
                  · {awayGuideText(g)}
                </span>
              )}
              {g.problem && <span className="warn-text small"> · {g.problem}</span>}
              {d && <span className={`small state-${d.state}`}> · {stateText(d)}</span>}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
