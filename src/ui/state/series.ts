import type { RunResult, ScenePreview, WireError } from '../../worker/protocol.ts';
import { describeError } from '../messages.ts';
import { DROPPED, forgetDropped } from './dropped.ts';
import { runQueue, runFraction, type QueueProgress } from './queue.ts';
import { effectiveRole, isRunnable, store, type AppState, type RunFacts, type RunSettings, type SeriesDate, type ShownLayer } from './store.ts';
import { toWire, worker } from './worker-handle.ts';

let runAbort: AbortController | undefined;
/** Called when the date on the map changes (the scene panel's preview follows it). */
let dateShownListener: (() => void) | undefined;

/** Registers what follows the date on the map (the scene preview). */
export function onDateShown(listener: () => void): void {
  dateShownListener = listener;
}

type SceneRow = ScenePreview['scenes'][number];

/**
 * A queue row's word on guides of another place, left out of its date's scene ('no guide: NDVI
 * of another place' when the LST runs alone); the notice shown when the date is picked names the
 * files. Undefined when none was left out.
 */
export function awayGuideText(row: Pick<SceneRow, 'awayGuides' | 'hasGuide'>): string | undefined {
  if (!row.awayGuides?.length) return undefined;
  const roles = [...new Set(row.awayGuides.map((g) => g.role.toUpperCase()))].join(' and ');
  return row.hasGuide ? `${roles} of another place left out` : `no guide: ${roles} of another place`;
}

/**
 * The dates a press of Run covers: with several dates and "all dates" on, every date from
 * `seriesFrom` to `seriesTo`; otherwise the picked date alone (undefined id: the worker's earliest).
 */
export function datesToRun(s: Pick<AppState, 'preview' | 'settings'>): { id?: string; date?: string; tile?: string }[] {
  const scenes = s.preview?.scenes ?? [];
  if (scenes.length > 1 && s.settings.runAllDates) {
    const from = scenes.findIndex((g) => g.id === s.settings.seriesFrom);
    const to = scenes.findIndex((g) => g.id === s.settings.seriesTo);
    const i0 = Math.max(0, from);
    const i1 = to < 0 ? scenes.length - 1 : to;
    return scenes.slice(Math.min(i0, i1), Math.max(i0, i1) + 1).map((g: SceneRow) => ({ id: g.id, date: g.date, tile: g.tile }));
  }
  const id = s.settings.sceneId;
  const g = scenes.find((x) => x.id === (id ?? s.preview?.sceneId));
  return [{ id, date: g?.date, tile: g?.tile }];
}

/**
 * The view of one result made with `ran` (the run panel's settings at Run): its layers (the user's
 * layer toggles kept where the ids match), metrics, notices, scene, weights. `keepOld`: a
 * single-date run keeps the layers of earlier runs it did not make again, and earlier metrics when
 * it ran no closed loop, each marked as earlier (`earlierLayerIds`, `isMetricsEarlier`); the
 * weights, fine-tuning and settings are always the result's own, never an earlier run's or date's.
 */
export function resultView(r: RunResult, s: AppState, keepOld: boolean, ran: RunSettings | undefined): Partial<AppState> {
  const date = r.scene.date;
  const kept = keepOld ? s.layers.filter((l) => l.id !== DROPPED && !r.layers.some((x) => x.id === l.id)).map((l) => dated(l, date)) : [];
  const fresh: ShownLayer[] = r.layers.map((l) => ({ ...l, runDate: date }));
  const layers = [...kept, ...fresh];
  const hasFinal = r.layers.some((l) => l.kind === 'output' && l.isFinal);
  const visible: Record<string, boolean> = {};
  for (const l of layers) {
    const isFresh = r.layers.some((x) => x.id === l.id);
    const byDefault = l.kind === 'output' ? l.isFinal : l.kind === 'input' && !hasFinal;
    // A new run resets the layers it made and shows its own result, not an earlier run's (another
    // method's ids since layers are named by method): a kept layer stays on only when the user had
    // turned it on (a baseline, a difference); switching dates keeps what the user toggled.
    visible[l.id] = keepOld ? (isFresh ? byDefault : s.visible[l.id] === true && l.kind !== 'output') : (s.visible[l.id] ?? byDefault);
  }
  const isMetricsEarlier = keepOld && r.metrics.length === 0 && s.metrics.length > 0;
  return {
    layers,
    visible,
    earlierLayerIds: kept.map((l) => l.id),
    metrics: isMetricsEarlier ? s.metrics : r.metrics,
    isMetricsEarlier,
    metricsRun: isMetricsEarlier ? s.metricsRun : runFacts(r),
    timings: r.timings,
    energyError: r.energyError,
    scatter: r.scatter,
    backend: r.backend ?? s.backend,
    notices: r.notices,
    stale: undefined,
    resultScene: r.scene,
    resultSettings: ran,
    finetune: r.finetune,
    weights: r.weights,
    closedLoop: r.closedLoop ?? (isMetricsEarlier ? s.closedLoop : undefined),
    truth: r.truth,
  };
}

/** The date, output method and energy conservation of a run, as the trust panel names it. */
export function runFacts(r: RunResult): RunFacts {
  return { date: r.scene.date, method: r.layers.find((l) => l.kind === 'output')?.method, energyError: r.energyError };
}

/**
 * A layer kept on the map from an earlier run, labelled with its own date when that is not the date
 * `shown` (after a queue, a single run of another date keeps the queue date's other layers); its
 * label without a date again when a later run shows its date.
 */
export function dated(l: ShownLayer, shown: string | undefined): ShownLayer {
  const suffix = l.runDate ? ` · ${l.runDate}` : '';
  const bare = suffix && l.label.endsWith(suffix) ? l.label.slice(0, -suffix.length) : l.label;
  const label = l.runDate && l.runDate !== shown ? `${bare}${suffix}` : bare;
  return label === l.label ? l : { ...l, label };
}

/** Shows the results of one finished date of the series (the date slider): layers, legend, inspector and trust panel follow. */
export function showDate(sceneId: string): boolean {
  const s = store.get();
  const hit = s.series.find((d) => d.sceneId === sceneId && d.state === 'done');
  if (!hit?.result) return false;
  // Results made stale by changed inputs stay marked stale on every date.
  store.set({ ...resultView(hit.result, s, false, s.resultSettings), stale: s.stale, settings: { ...s.settings, sceneId } });
  dateShownListener?.();
  return true;
}

/** Why a date failed, in words naming its files: the worker's sentence and what to do in the app. */
export function failureText(e: WireError): string {
  return e.hint ? `${e.message} ${e.hint}` : describeError(e);
}

/**
 * The progress line's words: the date of a queue, the step of the run where the worker reports its
 * plan, and the running part's own phrase ('2024-04-14 (2 of 3), step 2 of 5: Bicubic, stage 1 of 2').
 */
export function progressLabel(q: QueueProgress, dates: { id?: string }[]): string {
  const { stage, step, steps } = q.item;
  const where = [dates.length > 1 ? `${dates[q.index].id} (${q.index + 1} of ${dates.length})` : '', step !== undefined && steps ? `step ${step} of ${steps}` : ''].filter(Boolean).join(', ');
  return where ? `${where}: ${stage}` : stage;
}

/**
 * The progress line from Cancel until the worker answers: what the app waits for, and the step the
 * worker last said it was at (it stops at its next check of the cancel: between tiles, rows of a
 * file, methods), updated while it still reports.
 */
export function cancellingStage(step: string | undefined): string {
  const at = step && step !== 'starting' && !step.startsWith('Cancelling') ? `; it is at ${step}` : '';
  return `Cancelling: waiting for the worker to stop${at}`;
}

/**
 * The run status as the status line words it: `cancelling` from Cancel until the worker answers
 * (the state stays `running`, as the worker is still at work), else the state itself.
 */
export function statusWord(s: Pick<AppState, 'status' | 'progress'>): string {
  return s.status === 'running' && s.progress?.stage.startsWith('Cancelling:') ? 'cancelling' : s.status;
}

function setDate(sceneId: string | undefined, patch: Partial<SeriesDate>): void {
  store.set((s) => ({ series: s.series.map((d) => (d.sceneId === sceneId ? { ...d, ...patch } : d)) }));
}

/**
 * Runs the downscaling in the worker with the current inputs and settings: the picked date, or
 * with several dates every date in turn (one progress bar with an ETA for the queue; a failed date
 * is reported with its files and the queue goes on; cancel keeps the finished dates). Each date
 * takes the same single-date run (`run` request) as a lone scene.
 */
export async function run(): Promise<void> {
  const s = store.get();
  if (s.status === 'running') return;
  const dates = datesToRun(s);
  const isSeries = dates.length > 1;
  const ctrl = new AbortController();
  runAbort = ctrl;
  store.set({
    status: 'running',
    error: undefined,
    notices: [],
    progress: { stage: 'starting', done: 0, total: 1, fraction: 0 },
    // A single date forgets an earlier queue only once it has results: the worker keeps the queue's
    // layers until then, so a failed or cancelled run leaves the dates on screen and in the export.
    ...(isSeries ? { series: dates.map((d) => ({ sceneId: d.id!, date: d.date, tile: d.tile, state: 'pending' as const })) } : {}),
  });
  const inputs = s.inputs.filter(isRunnable).map((i) => ({ id: i.id, role: effectiveRole(s, i) }));
  const { runAllDates: _all, seriesFrom: _from, seriesTo: _to, ...settings } = s.settings;
  let doneCount = 0;
  let shown = false;
  /** The date picked in the scene panel before the run, and the date the queue put on the map itself. */
  const wanted = s.settings.sceneId;
  let autoShown: string | undefined;
  // A single date has no row in the date list (a list left by an earlier queue is not its own).
  const markDate = (id: string, patch: Partial<SeriesDate>): void => {
    if (isSeries) setDate(id, patch);
  };
  const outcomes = await runQueue(
    dates.map((d) => d.id ?? ''),
    (id, _i, { signal, onProgress }) => {
      markDate(id, { state: 'running' });
      const frac = runFraction();
      return worker().call(
        'run',
        {
          inputs,
          ...settings,
          sceneId: isSeries ? id : s.settings.sceneId,
          refuseDateGaps: isSeries,
          keepOtherDates: isSeries && doneCount > 0,
          appBaseUrl: new URL('./', document.baseURI).href,
        },
        { signal, onProgress: (p) => onProgress(p, frac(p)) },
      );
    },
    {
      signal: ctrl.signal,
      onProgress: (q) =>
        store.set({
          // After Cancel the worker may go on until its next check: the line says the app waits for it, and where it is.
          progress: ctrl.signal.aborted
            ? { stage: cancellingStage(progressLabel(q, dates)), done: q.item.done, total: q.item.total, detail: q.item.detail, elapsedS: q.elapsedS, fraction: q.fraction }
            : { stage: progressLabel(q, dates), done: q.item.done, total: q.item.total, detail: q.item.detail, etaS: q.etaS, elapsedS: q.elapsedS, fraction: q.fraction },
        }),
      onItem: (o) => {
        if (o.state === 'done') {
          doneCount++;
          forgetDropped();
          markDate(o.id, { state: 'done', result: o.value, seconds: o.seconds });
          // The map shows the date picked before the run once it is done, the first finished date until then.
          if (!isSeries) store.set((x) => ({ ...resultView(o.value, x, true, s.settings), resultInputs: inputs, series: [] }));
          else if (!shown || (o.id === wanted && store.get().resultScene?.id === autoShown)) {
            store.set((x) => ({ ...resultView(o.value, x, false, s.settings), resultInputs: inputs, settings: { ...x.settings, sceneId: o.id } }));
            autoShown = o.id;
            dateShownListener?.();
          }
          shown = true;
        } else if (o.state === 'failed') markDate(o.id, { state: 'failed', error: toWire(o.error), seconds: o.seconds });
        else markDate(o.id, { state: 'cancelled' });
      },
    },
  );
  if (runAbort === ctrl) runAbort = undefined;
  const failed = outcomes.filter((o) => o.state === 'failed');
  const isCancelled = outcomes.some((o) => o.state === 'cancelled');
  if (!isSeries) {
    const o = outcomes[0];
    // Cancelling is not a failure: back to idle; results of earlier runs stay on the map.
    if (o.state === 'done') store.set({ status: 'done', progress: undefined });
    else if (o.state === 'cancelled') store.set({ status: 'idle', progress: undefined, notices: ['Run cancelled; earlier results are kept.'] });
    else store.set({ status: 'error', progress: undefined, error: toWire(o.error) });
    return;
  }
  const summary: string[] = [];
  if (isCancelled)
    summary.push(`Queue cancelled after ${doneCount} of ${dates.length} dates; the finished dates are kept (date slider above the map). Press Run to run the queue again.`);
  else if (doneCount > 0)
    summary.push(`${doneCount} of ${dates.length} dates done${failed.length ? `, ${failed.length} failed (see the date list)` : ''}. Move the date slider above the map to see each date.`);
  for (const o of failed) if (o.state === 'failed') summary.push(`${o.id}: ${failureText(toWire(o.error))}`);
  const first = failed[0];
  store.set((x) => ({
    status: isCancelled ? 'idle' : doneCount > 0 ? 'done' : 'error',
    progress: undefined,
    notices: [...summary, ...(doneCount > 0 ? x.notices : [])],
    ...(doneCount === 0 && !isCancelled && first?.state === 'failed' ? { error: toWire(first.error) } : {}),
  }));
}

/**
 * Cancels the current run or queue; results computed before (finished dates included) stay. The
 * run ends as the worker says: a run that had already finished when the cancel reached it keeps
 * its results and ends done (worker/client.ts), one the cancel stopped leaves the earlier results.
 */
export function cancel(): void {
  if (!runAbort || runAbort.signal.aborted) return;
  runAbort.abort();
  store.set((s) => (s.progress ? { progress: { ...s.progress, stage: cancellingStage(s.progress.stage), etaS: undefined } } : {}));
}
