import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../../core/errors.ts';
import type { LayerData, RunResult, ScenePreview } from '../../worker/protocol.ts';
import { awayGuideText, cancel, datesToRun, failureText, resultView, run, showDate, statusWord } from './series.ts';
import { trustRunLines } from '../trust.ts';
import { initialState, store, type AppState } from './store.ts';

/** The worker's answer to the next `run` request (the tests below set it). */
const workerRun = vi.hoisted(() => ({ answer: (_opts?: { onProgress?: (p: import('../../core/progress.ts').Progress) => void }): Promise<unknown> => Promise.reject(new Error('no answer set')) }));
vi.mock(import('./worker-handle.ts'), async (original) => ({
  ...(await original()),
  worker: () => ({ call: (_name: string, _params: unknown, opts?: Parameters<typeof workerRun.answer>[0]) => workerRun.answer(opts) }) as unknown as ReturnType<(typeof import('./worker-handle.ts'))['worker']>,
}));

const scenes = ['2024-03-29', '2024-04-06', '2024-04-14', '2024-04-22'].map((id) => ({ id, date: id, lstNames: [`${id}.tif`] }));
const preview = { scenes, sceneId: '2024-03-29', used: {}, dateGaps: [], isSameGrid: false, isLstOnly: false, notices: [], warnings: [] } as ScenePreview;

describe('datesToRun', () => {
  it('runs every date as a queue by default, a from/to range in either order, or the picked date alone', () => {
    const settings = initialState.settings;
    expect(datesToRun({ preview, settings }).map((d) => d.id)).toEqual(scenes.map((g) => g.id));
    expect(datesToRun({ preview, settings: { ...settings, seriesFrom: '2024-04-06', seriesTo: '2024-04-14' } }).map((d) => d.id)).toEqual(['2024-04-06', '2024-04-14']);
    expect(datesToRun({ preview, settings: { ...settings, seriesFrom: '2024-04-22', seriesTo: '2024-04-06' } }).map((d) => d.id)).toEqual(['2024-04-06', '2024-04-14', '2024-04-22']);
    expect(datesToRun({ preview, settings: { ...settings, runAllDates: false, sceneId: '2024-04-14' } })).toEqual([{ id: '2024-04-14', date: '2024-04-14', tile: undefined }]);
    // One date among the files: a single run of the worker's choice, as before.
    expect(datesToRun({ preview: { ...preview, scenes: scenes.slice(0, 1) }, settings })).toEqual([{ id: undefined, date: '2024-03-29', tile: undefined }]);
  });
});

describe('awayGuideText', () => {
  it("says briefly in a queue row which guide of another place was left out, and 'no guide' only when none is left", () => {
    const ndvi = { role: 'ndvi', name: 'NDVI_doy2024097000000_aid0001.tif' };
    expect(awayGuideText({ awayGuides: [ndvi], hasGuide: false })).toBe('no guide: NDVI of another place');
    expect(awayGuideText({ awayGuides: [ndvi, { role: 'red', name: 'B4.tif' }], hasGuide: true })).toBe('NDVI and RED of another place left out');
    expect(awayGuideText({})).toBeUndefined();
  });
});

describe('failureText', () => {
  it("gives the worker's sentence with what to do in the app, or the plain words of the code", () => {
    expect(failureText({ code: 'DATE_MISMATCH', message: 'a.tif (ndvi, 2024-05-24) is 9 days from the LST b.tif.', hint: 'Raise "Max date gap" in the scene panel to 9 days.' })).toBe(
      'a.tif (ndvi, 2024-05-24) is 9 days from the LST b.tif. Raise "Max date gap" in the scene panel to 9 days.',
    );
    expect(failureText({ code: 'ALL_NODATA', message: 'x', file: 'c.tif' })).toMatch(/^“c\.tif” contains no valid pixels\./);
  });
});

const result = (id: string, extra: Partial<RunResult> = {}): RunResult => ({
  layers: [],
  metrics: [],
  timings: [],
  energyError: [],
  scatter: [],
  notices: [],
  scene: { id, lstName: `${id}.tif`, tag: id },
  ...extra,
});

describe('showDate', () => {
  it("holds the shown date's own weights and fine-tuning: a date that ran without SRDA-Net shows none, not an earlier date's", () => {
    const weights = { format: 'srda-net', version: 2, size: 'base' };
    const finetune = { steps: 200, seconds: 3, rmseBeforeK: 1.2, rmseAfterK: 1.1, kept: true };
    store.set({
      ...initialState,
      series: [
        { sceneId: 'a', state: 'done', result: result('a', { weights, finetune }) },
        { sceneId: 'b', state: 'done', result: result('b') },
      ],
    });
    expect(showDate('a')).toBe(true);
    expect(store.get()).toMatchObject({ weights, finetune });
    expect(showDate('b')).toBe(true);
    expect(store.get().resultScene?.id).toBe('b');
    expect(store.get().weights).toBeUndefined();
    expect(store.get().finetune).toBeUndefined();
    expect(showDate('a')).toBe(true);
    expect(store.get().weights).toEqual(weights);
  });
});

describe('run of a single date after a queue', () => {
  vi.stubGlobal('document', { baseURI: 'http://localhost/' });
  const queueRan = { ...initialState.settings, method: 'srda' as const };
  /** The state after a queue of two dates, the first on the map, then "all dates" unticked and the second picked. */
  const afterQueue = (): AppState => ({
    ...initialState,
    preview: { ...preview, scenes: scenes.slice(0, 2) },
    series: [
      { sceneId: scenes[0].id, state: 'done', result: result(scenes[0].id) },
      { sceneId: scenes[1].id, state: 'done', result: result(scenes[1].id) },
    ],
    resultScene: result(scenes[0].id).scene,
    resultSettings: queueRan,
    settings: { ...queueRan, method: 'bicubic', runAllDates: false, sceneId: scenes[1].id },
  });

  it("keeps the queue's dates when it fails or is cancelled (the worker still holds their layers for the export)", async () => {
    for (const answer of [() => Promise.reject(new AppError('ALL_NODATA', 'x')), () => Promise.reject(new AppError('CANCELLED', 'stop'))]) {
      store.set(afterQueue());
      workerRun.answer = answer;
      await run();
      expect(store.get().series.map((d) => [d.sceneId, d.state])).toEqual([
        [scenes[0].id, 'done'],
        [scenes[1].id, 'done'],
      ]);
      expect(store.get()).toMatchObject({ resultScene: { id: scenes[0].id }, resultSettings: queueRan });
    }
  });

  it('forgets the queue once it has its own results, recorded with the settings it ran with', async () => {
    store.set(afterQueue());
    workerRun.answer = () => Promise.resolve(result(scenes[1].id));
    await run();
    expect(store.get()).toMatchObject({ status: 'done', series: [], resultScene: { id: scenes[1].id }, resultSettings: { method: 'bicubic', sceneId: scenes[1].id } });
  });
});

describe('a cancel racing the end of a run', () => {
  vi.stubGlobal('document', { baseURI: 'http://localhost/' });
  const ran = { ...initialState.settings, method: 'srda' as const, runAllDates: false };
  /** The state after a TsHARP run of 2024-04-06, with a bicubic run of the same date set up. */
  const before = (): AppState => ({
    ...initialState,
    ...resultView(runOf('2024-04-06', ['tsharp']), initialState, true, { ...ran, method: 'tsharp' }),
    status: 'done',
    settings: { ...ran, method: 'bicubic' },
  });
  /** Starts the run, presses Cancel while it runs, then lets the worker answer as `answer` says. */
  async function race(answer: 'finished first' | 'cancel first'): Promise<AppState> {
    store.set(before());
    let settle: { resolve: (v: unknown) => void; reject: (e: unknown) => void } | undefined;
    workerRun.answer = () => new Promise((resolve, reject) => (settle = { resolve, reject }));
    const ended = run();
    expect(store.get().status).toBe('running');
    cancel();
    expect(store.get().progress?.stage).toBe('Cancelling: waiting for the worker to stop');
    // The client settles the call as the worker answered the cancelled request (worker/client.ts).
    if (answer === 'finished first') settle!.resolve(runOf('2024-04-06', ['bicubic']));
    else settle!.reject(new AppError('CANCELLED', 'The operation was cancelled.'));
    await ended;
    return store.get();
  }

  it('says while it waits that it waits for the worker, and where the worker is, however long it goes on reporting', async () => {
    store.set(before());
    let settle: ((e: unknown) => void) | undefined;
    let report: ((p: { stage: string; done: number; total: number; detail?: string; step?: number; steps?: number }) => void) | undefined;
    workerRun.answer = (opts) => new Promise((_resolve, reject) => ((settle = reject), (report = opts?.onProgress)));
    const ended = run();
    report!({ stage: 'Bicubic, stage 1 of 2', done: 3, total: 25, detail: 'tile 3/25', step: 1, steps: 2 });
    expect(store.get().progress?.stage).toBe('step 1 of 2: Bicubic, stage 1 of 2');
    expect(statusWord(store.get())).toBe('running');
    cancel();
    // The status line says 'cancelling' (before: 'running' until the worker answered); the state stays running.
    expect(statusWord(store.get())).toBe('cancelling');
    expect(store.get().progress?.stage).toBe('Cancelling: waiting for the worker to stop; it is at step 1 of 2: Bicubic, stage 1 of 2');
    // A step that does not check the cancel yet: the worker still reports, the line still says the app waits for it
    // (before: the next report put back 'step 1 of 2: Bicubic, stage 1 of 2' as if nothing had been asked).
    report!({ stage: 'Bicubic, stage 1 of 2', done: 4, total: 25, detail: 'tile 4/25', step: 1, steps: 2 });
    expect(store.get().progress).toMatchObject({ stage: 'Cancelling: waiting for the worker to stop; it is at step 1 of 2: Bicubic, stage 1 of 2', detail: 'tile 4/25' });
    expect(store.get().progress).not.toHaveProperty('etaS');
    expect(store.get().status).toBe('running');
    expect(statusWord(store.get())).toBe('cancelling');
    settle!(new AppError('CANCELLED', 'The operation was cancelled.'));
    await ended;
    expect(store.get()).toMatchObject({ status: 'idle', progress: undefined });
    expect(statusWord(store.get())).toBe('idle');
  });

  it('that lost (the worker had swapped in the new layers) ends done with the new results, not cancelled', async () => {
    const s = await race('finished first');
    expect(s.status).toBe('done');
    expect(s.notices.join(' ')).not.toMatch(/cancelled/);
    expect(s.layers.filter((l) => !s.earlierLayerIds.includes(l.id)).map((l) => l.id)).toEqual(['lst-1000m', 'bicubic-250m']);
    expect(s.resultSettings?.method).toBe('bicubic');
  });

  it('that won leaves the earlier results as they were, and says the run was cancelled', async () => {
    const s = await race('cancel first');
    expect(s.status).toBe('idle');
    expect(s.notices).toEqual(['Run cancelled; earlier results are kept.']);
    expect(s.layers.map((l) => l.id)).toEqual(['lst-1000m', 'tsharp-250m']);
    expect(s.earlierLayerIds).toEqual([]);
    expect(s.resultSettings?.method).toBe('tsharp');
  });
});

/** A result layer as the worker sends it (tiny, no real pixels: the view reads ids, labels and kinds). */
function layerOf(id: string, label: string, method: string, kind: LayerData['kind'] = 'output', isFinal = true): LayerData {
  return {
    id,
    label,
    kind,
    method,
    stage: 2,
    isFinal,
    units: 'K',
    pixelSizeM: 212,
    resolutionM: 250,
    fileStem: `scene_${method}_212m`,
    grid: { width: 1, height: 1, transform: [0, 212, 0, 0, 0, -212], crs: { epsg: 32646, proj4: '+proj=utm +zone=46 +datum=WGS84', name: 'WGS 84 / UTM zone 46N', isGeographic: false } },
    data: new Float32Array(1),
    display: { width: 1, height: 1, bounds: [0, 0, 1, 1], data: new Float32Array(1) },
    stats: { min: 300, max: 300, mean: 300, std: 0, p2: 300, p98: 300, validFraction: 1, histogram: { min: 300, max: 300, counts: [1] } },
  };
}

/** The final layers of a run with `methods` (the first is the run's own output, the rest baselines), as the worker names them. */
function runOf(date: string, methods: string[]): RunResult {
  const input = layerOf('lst-1000m', 'Input LST 849 m', 'input', 'input', false);
  const label: Record<string, string> = { srda: 'SRDA-Net', bicubic: 'Bicubic', tsharp: 'TsHARP' };
  // worker/layers.ts layerId: SRDA-Net's stages are `lst-*`, every other method's `<method>-*` (run.test checks the worker names them so).
  const outputs = methods.map((m, i) => layerOf(m === 'srda' ? 'lst-250m' : `${m}-250m`, `${label[m]} 212 m`, m, i === 0 ? 'output' : 'baseline'));
  return result(date, { layers: [input, ...outputs], scene: { id: date, date, lstName: `${date}.tif`, tag: date } });
}

describe('layers named by method', () => {
  it('after an "all" run then a bicubic run, keeps one bicubic layer and the earlier SRDA-Net layer under its own id, hidden', () => {
    const ran = { ...initialState.settings };
    const all: AppState = { ...initialState, ...resultView(runOf('2024-04-06', ['srda', 'bicubic', 'tsharp']), initialState, true, ran) };
    const s: AppState = { ...all, ...resultView(runOf('2024-04-06', ['bicubic']), all, true, { ...ran, method: 'bicubic' }) };
    const bicubic = s.layers.filter((l) => l.method === 'bicubic');
    expect(bicubic.map((l) => [l.id, l.label])).toEqual([['bicubic-250m', 'Bicubic 212 m']]);
    expect(s.earlierLayerIds).toEqual(['lst-250m', 'tsharp-250m']);
    expect(s.layers.find((l) => l.id === 'lst-250m')).toMatchObject({ method: 'srda', label: 'SRDA-Net 212 m' });
    // The new run's own result is what the map shows: the earlier SRDA-Net output gives way to it.
    expect(Object.entries(s.visible).filter(([, v]) => v).map(([id]) => id)).toEqual(['bicubic-250m']);
    // No two layers on the map share an id, and each says its method and grid alike.
    expect(new Set(s.layers.map((l) => l.id)).size).toBe(s.layers.length);
    for (const l of s.layers) expect(l.label).toMatch(/ 2?\d{3} m$/);
  });
});

describe('layers kept from another date', () => {
  it('say their date after a queue then a single run of another date, and lose it when their date is shown again', () => {
    const ran = { ...initialState.settings };
    // A queue of every method showed 2024-04-06; a bicubic run of 2024-04-14 keeps its other layers.
    const queued: AppState = { ...initialState, ...resultView(runOf('2024-04-06', ['srda', 'bicubic', 'tsharp']), initialState, false, ran) };
    const s: AppState = { ...queued, ...resultView(runOf('2024-04-14', ['bicubic']), queued, true, { ...ran, method: 'bicubic' }) };
    const labels = Object.fromEntries(s.layers.map((l) => [l.id, l.label]));
    expect(labels).toEqual({
      'lst-250m': 'SRDA-Net 212 m · 2024-04-06',
      'tsharp-250m': 'TsHARP 212 m · 2024-04-06',
      'lst-1000m': 'Input LST 849 m',
      'bicubic-250m': 'Bicubic 212 m',
    });
    // A later run of 2024-04-06 (bicubic again) shows that date: its kept layers need no date, and a date is never added twice.
    const back: AppState = { ...s, ...resultView(runOf('2024-04-06', ['bicubic']), s, true, { ...ran, method: 'bicubic' }) };
    expect(back.layers.find((l) => l.id === 'tsharp-250m')!.label).toBe('TsHARP 212 m');
    const again: AppState = { ...s, ...resultView(runOf('2024-04-14', ['bicubic']), s, true, { ...ran, method: 'bicubic' }) };
    expect(again.layers.find((l) => l.id === 'tsharp-250m')!.label).toBe('TsHARP 212 m · 2024-04-06');
  });
});

describe('trust panel lines after a queue, then a date without the closed-loop check', () => {
  it('names each energy line by its run: the earlier scores beside their own run, the last run apart', () => {
    const ran = { ...initialState.settings };
    const scores = [{ method: 'srda', rmse: 0.5, mae: 0.4, bias: 0, r2: 0.9 }, { method: 'bicubic', rmse: 0.54, mae: 0.42, bias: 0, r2: 0.88 }];
    // A queue of every method showed 2024-04-06 with its closed loop; SRDA-Net's output conserved energy to 2e-6 K.
    const queued: AppState = {
      ...initialState,
      ...resultView({ ...runOf('2024-04-06', ['srda', 'bicubic']), metrics: scores, energyError: [{ stage: 2, maxAbsK: 2e-6, meanAbsK: 1e-7 }] }, initialState, false, ran),
    };
    expect(trustRunLines(queued)).toEqual({ energy: [{ run: 'last', text: 'Energy conservation: every output block averages back to the input LST within 2.0e-6 K (residual correction on).' }] });
    // Then bicubic on 2024-04-14 without the check and without residual correction: no scores of its own.
    const s: AppState = {
      ...queued,
      ...resultView({ ...runOf('2024-04-14', ['bicubic']), energyError: [{ stage: 2, maxAbsK: 0.31, meanAbsK: 0.1 }] }, queued, true, { ...ran, method: 'bicubic', evaluate: false }),
    };
    expect(s.metrics).toEqual(scores);
    expect(trustRunLines(s)).toEqual({
      earlierNote: 'These scores are of an earlier run with other settings (2024-04-06): the last run (2024-04-14) had no closed-loop check.',
      energy: [
        { run: 'scores', text: 'Energy conservation of that earlier run (SRDA-Net output, 2024-04-06): every output block averages back to the input LST within 2.0e-6 K (residual correction on).' },
        { run: 'last', text: 'Energy conservation of the last run (Bicubic output, 2024-04-14), which has no scores here: every output block averages back to the input LST within 3.1e-1 K (residual correction off: block means drift from the input).' },
      ],
    });
    // A second run without the check keeps the same earlier run beside the scores.
    const again: AppState = { ...s, ...resultView(runOf('2024-04-22', ['tsharp']), s, true, { ...ran, method: 'tsharp', evaluate: false }) };
    const lines = trustRunLines(again);
    expect(lines.earlierNote).toBe('These scores are of an earlier run with other settings (2024-04-06): the last run (2024-04-22) had no closed-loop check.');
    expect(lines.energy).toEqual([trustRunLines(s).energy[0]]);
  });
});
