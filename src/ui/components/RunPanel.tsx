import { cancel, run, updateSettings } from '../state/actions.ts';
import { datesToRun, statusWord } from '../state/series.ts';
import { changedSettings, settingsChangedText } from '../state/settings-change.ts';
import { isRunnable, useAppState } from '../state/store.ts';
import type { BackendChoice, MethodChoice } from '../../worker/protocol.ts';
import { DEFAULT_ORIENTATIONS, ORIENTATION_COUNTS_TEXT, type OrientationCount } from '../../core/raster/orient.ts';
import { ProgressBar } from './ProgressBar.tsx';

const METHODS: { id: MethodChoice; label: string }[] = [
  { id: 'srda', label: 'SRDA-Net' },
  { id: 'bicubic', label: 'Bicubic' },
  { id: 'tsharp', label: 'TsHARP' },
  { id: 'dms', label: 'DMS (regression trees)' },
  { id: 'all', label: 'All (compare)' },
];
const BACKENDS: BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** SRDA-Net's orientation ensembles (core/raster/orient.ts orientationSet): network passes per prediction. */
const ORIENTATION_CHOICES: { n: OrientationCount; label: string }[] = [
  { n: 1, label: '1 (default: one pass, fastest)' },
  { n: 2, label: '2 (also rotated 180°: 2 passes)' },
  { n: 8, label: '8 (all orientations, slowest)' },
];

/** Method and options, Run / Cancel, status, backend and progress. */
export function RunPanel() {
  const settings = useAppState((s) => s.settings);
  const status = useAppState((s) => s.status);
  const statusText = useAppState(statusWord);
  const backend = useAppState((s) => s.backend);
  const hasInputs = useAppState((s) => s.inputs.some(isRunnable));
  const preview = useAppState((s) => s.preview);
  const needsGuide = !!preview?.isLstOnly && (settings.method === 'tsharp' || settings.method === 'dms');
  const blocked = !hasInputs || !!preview?.blocker || needsGuide;
  const isRunning = status === 'running';
  const usesModel = settings.method === 'srda' || settings.method === 'all';
  const dateCount = preview ? datesToRun({ preview, settings }).length : 1;
  const ran = useAppState((s) => s.resultSettings);
  const changedNote =
    ran && !isRunning
      ? settingsChangedText(changedSettings(ran, settings, { isSameGrid: preview?.isSameGrid === true, hasGuides: preview?.isLstOnly === false }))
      : undefined;

  return (
    <section className="panel run">
      <label>
        Method{' '}
        <select
          data-testid="method"
          value={settings.method}
          disabled={isRunning}
          onChange={(e) => updateSettings({ method: e.target.value as MethodChoice })}
        >
          {METHODS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          data-testid="residual"
          checked={settings.residualCorrection}
          disabled={isRunning}
          onChange={(e) => updateSettings({ residualCorrection: e.target.checked })}
        />{' '}
        Residual correction
      </label>
      <label title="A few hundred training steps on your own scene in closed loop before applying (slower)">
        <input
          type="checkbox"
          data-testid="finetune"
          checked={settings.finetuneSteps > 0}
          disabled={isRunning || !usesModel}
          onChange={(e) => updateSettings({ finetuneSteps: e.target.checked ? 200 : 0 })}
        />{' '}
        Fine-tune on this scene
      </label>
      <label title="By default SRDA-Net keeps only the share of its detail over bicubic that this scene's own closed loop supports">
        <input
          type="checkbox"
          data-testid="full-detail"
          checked={settings.srdaFullDetail === true}
          disabled={isRunning || !usesModel}
          onChange={(e) => updateSettings({ srdaFullDetail: e.target.checked })}
        />{' '}
        Keep all of SRDA-Net&apos;s detail
      </label>
      <label title={`SRDA-Net runs on its input in ${ORIENTATION_COUNTS_TEXT} orientations (2: as it is and rotated 180 degrees; 8: every mirror, rotation and transpose) and averages the predictions turned back: more passes lower its error, each pass costs one network run`}>
        Orientations{' '}
        <select
          data-testid="orientations"
          value={settings.srdaOrientations ?? DEFAULT_ORIENTATIONS}
          disabled={isRunning || !usesModel}
          onChange={(e) => updateSettings({ srdaOrientations: Number(e.target.value) })}
        >
          {ORIENTATION_CHOICES.map((o) => (
            <option key={o.n} value={o.n}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <label title="By default NDVI, red, NIR, SWIR and albedo are moved by the sub-pixel shift at which they fit the LST best (products from different sensors can sit a fraction of a pixel apart); the notices say the shift">
        <input
          type="checkbox"
          data-testid="guides-in-place"
          checked={settings.guidesInPlace === true}
          disabled={isRunning}
          onChange={(e) => updateSettings({ guidesInPlace: e.target.checked })}
        />{' '}
        Keep guides in place
      </label>
      <label>
        Backend{' '}
        <select
          data-testid="backend-choice"
          value={settings.backend}
          disabled={isRunning || !usesModel}
          onChange={(e) => updateSettings({ backend: e.target.value as BackendChoice })}
        >
          {BACKENDS.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={settings.evaluate}
          disabled={isRunning}
          onChange={(e) => updateSettings({ evaluate: e.target.checked })}
        />{' '}
        Closed-loop check
      </label>
      <span className="buttons">
        <button
          type="button"
          data-testid="run"
          className="primary"
          disabled={isRunning || blocked}
          onClick={() => void run()}
        >
          {dateCount > 1 ? `Run ${dateCount} dates` : 'Run'}
        </button>
        <button type="button" data-testid="cancel" disabled={!isRunning} onClick={cancel}>
          Cancel
        </button>
      </span>
      <span className="status-line">
        Status:{' '}
        <strong data-testid="status" data-state={status} className={`state-${status}`}>
          {statusText}
        </strong>
        {' · '}Backend:{' '}
        <span data-testid="backend" data-backend={backend?.name ?? ''}>
          <strong>{backend ? backend.name : 'not started'}</strong>
          {backend?.adapter ? ` on ${backend.adapter}` : ''}
          {backend?.fallbackReason ? (
            <span className="muted small" data-testid="backend-skipped" title={`Skipped ${backend.fallbackReason}`}>
              {' '}
              (skipped {skippedBackends(backend.fallbackReason)})
            </span>
          ) : (
            ''
          )}
        </span>
      </span>
      {changedNote && (
        <span
          className="warn-text small changed-settings"
          data-testid="stale-settings"
          title={`${changedNote} Until then the map, the report and the export are of the settings that made the results.`}
        >
          {changedNote}
        </span>
      )}
      {needsGuide && (
        <p className="warn small" data-testid="method-needs-guide">
          {settings.method === 'tsharp' ? 'TsHARP' : 'DMS'} sharpens with guide layers and only an LST was given: choose
          Bicubic or SRDA-Net, or drop an NDVI file.
        </p>
      )}
      {!hasInputs && <p className="muted small">Drop an LST file (or load the demo scene) to run.</p>}
      <ProgressBar />
    </section>
  );
}

/**
 * The backends a fallback reason names ("webgpu: ..., slower than wasm; webgl: ...") as a short
 * list for the status line ("webgpu, webgl"); the whole reason is the element's tooltip. A reason
 * in another form is shown whole.
 */
export function skippedBackends(reason: string): string {
  const names = reason.split(';').map((part) => /^\s*([a-z0-9-]+):/i.exec(part)?.[1]);
  return names.every((n) => n !== undefined) ? names.join(', ') : reason;
}
