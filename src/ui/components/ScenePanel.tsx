import { describeError } from '../messages.ts';
import { pickScene, setMaxDateGap, updateSettings } from '../state/actions.ts';
import { useAppState } from '../state/store.ts';
import { SeriesList } from './SeriesList.tsx';

const FACTORS = [2, 4, 8];
const m = (v: number | undefined) => (v === undefined ? '?' : v >= 100 ? `${Math.round(v)} m` : `${v.toPrecision(3)} m`);

/** What the inputs make before a run: date picker, QC share, date gaps, one-grid and LST-only modes, what blocks a run. */
export function ScenePanel() {
  const p = useAppState((s) => s.preview);
  const factor = useAppState((s) => s.settings.referenceFactor);
  const maxGap = useAppState((s) => s.settings.maxDateGapDays);
  const isRunning = useAppState((s) => s.status === 'running');
  const hasInputs = useAppState((s) => s.inputs.length > 0);
  if (!p || !hasInputs) return null;
  return (
    <section className="panel scene" data-testid="scene-panel">
      {p.blocker && (
        <p className="warn" data-testid="run-blocker" data-code={p.blocker.code}>
          {describeError(p.blocker)}
        </p>
      )}
      {p.scenes.length > 1 && (
        <label>
          Date{' '}
          <select data-testid="scene-date" value={p.sceneId} onChange={(e) => pickScene(e.target.value)}>
            {p.scenes.map((g) => (
              <option key={g.id} value={g.id}>
                {g.id} ({g.lstNames.length} LST)
              </option>
            ))}
          </select>{' '}
          <span className="muted small">{p.scenes.length} dates among the files.</span>
        </label>
      )}
      {p.scenes.length > 1 && <SeriesList scenes={p.scenes} />}
      {p.lstName && (
        <p className="small" data-testid="scene-summary">
          Scene: <strong>{p.lstName}</strong>
          {p.used.ndvi ? ` · NDVI ${p.used.ndvi}` : ''}
          {p.qcMaskedShare !== undefined && (
            <span data-testid="qc-share" data-share={p.qcMaskedShare.toFixed(4)}>
              {' '}
              · QC masks {p.qcMaskedWords}
            </span>
          )}
          {!p.isLstOnly && (
            <label title="A guide (NDVI, reflectance, albedo) of another date stands in for the LST's date when the periods they cover are at most this many days apart; in a queue of dates, a date whose guide is further away fails and names the files">
              {' '}
              · Max date gap{' '}
              <input
                type="number"
                data-testid="max-date-gap"
                min={0}
                max={366}
                step={1}
                value={maxGap}
                disabled={isRunning}
                onChange={(e) => setMaxDateGap(Number(e.target.value))}
              />{' '}
              days
            </label>
          )}
        </p>
      )}
      {p.dateGaps.map((g) => (
        <p key={g.name} className="warn" data-testid="date-warning">
          {g.name} ({g.role}) is dated {g.date}, {g.days} days from the LST, beyond the max date gap of {maxGap} days:
          results may be off. Drop a file within {maxGap} days of the LST, remove this one, or raise the max date gap.
        </p>
      ))}
      {p.warnings.map((n) => (
        <p key={n} className="warn" data-testid="scene-notice">
          {n}
        </p>
      ))}
      {p.isSameGrid && (
        <div data-testid="same-grid">
          <p className="small">
            The LST ({m(p.lstPixelM)}) is already on the grid of the guide layers ({m(p.guidePixelM)}): there is
            nothing finer to downscale to. The run averages the LST by a reference factor and downscales it back
            onto the guides, which shows how well each method recovers it.
          </p>
          <label>
            Reference factor{' '}
            <select
              data-testid="reference-factor"
              value={factor}
              onChange={(e) => updateSettings({ referenceFactor: Number(e.target.value) })}
            >
              {FACTORS.map((f) => (
                <option key={f} value={f}>
                  ×{f} ({m((p.lstPixelM ?? 0) * f)} → {m(p.guidePixelM)})
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {p.isLstOnly && (
        <p className="small" data-testid="lst-only">
          No guide layer (NDVI, red and NIR): Bicubic and SRDA-Net&apos;s LST-only mode refine the LST alone (1 km → 250
          m). Drop an NDVI file to use the guides and compare TsHARP and DMS.
        </p>
      )}
    </section>
  );
}
