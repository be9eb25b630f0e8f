import { describe, expect, it } from 'vitest';
import type { LayerData, RunResult } from '../../worker/protocol.ts';
import { buildReport } from './report.ts';
import { resultView } from './series.ts';
import { initialState, type AppState, type RunSettings } from './store.ts';

const WEIGHTS = { format: 'srda-net', version: 2, size: 'base' };
/** SRDA-Net's own boxes ticked in the run panel: fine-tune, keep all detail, 8 orientations. */
const srdaBoxes: Partial<RunSettings> = { finetuneSteps: 200, srdaFullDetail: true, srdaOrientations: 8 };

function stateAfterRun(method: RunSettings['method'], weights?: RunResult['weights']): AppState {
  const settings = { ...initialState.settings, ...srdaBoxes, method };
  return { ...initialState, settings, resultSettings: settings, weights };
}

function seriesResult(weights?: RunResult['weights']): RunResult {
  return { layers: [], metrics: [], timings: [], energyError: [], scatter: [], notices: [], scene: { id: 'd', lstName: 'lst.tif', tag: 't' }, ...(weights ? { weights } : {}) };
}

const settingsOf = (s: AppState) => buildReport(s).settings as Record<string, unknown>;

describe('buildReport settings', () => {
  it('records the default one pass of an SRDA-Net run left at the default', () => {
    const settings = { ...initialState.settings, method: 'srda' as const };
    expect(settingsOf({ ...initialState, settings, resultSettings: settings, weights: WEIGHTS })).toMatchObject({ srdaOrientations: 1 });
  });

  it("leaves out SRDA-Net's own settings when the run's method was not SRDA-Net, as the CLI's report.json does", () => {
    for (const method of ['bicubic', 'tsharp', 'dms'] as const) {
      const settings = settingsOf(stateAfterRun(method));
      expect(settings.method).toBe(method);
      expect(settings).not.toHaveProperty('srdaOrientations');
      expect(settings).not.toHaveProperty('srdaFullDetail');
      expect(settings).not.toHaveProperty('finetuneSteps');
      // The settings every method reads stay.
      expect(settings).toMatchObject({ residualCorrection: true, maxDateGapDays: 8 });
    }
  });

  it('records the reference factor only when the run applied it (inputs on one grid), as the CLI names it only when it block-averaged the LST', () => {
    const ran = { ...initialState.settings, method: 'bicubic' as const, referenceFactor: 4 };
    const scene = { id: 'd', lstName: 'lst.tif', tag: 't' };
    // 1 km LST with 250 m guides: the factor does nothing, so the report does not claim it.
    expect(settingsOf({ ...initialState, resultSettings: ran, resultScene: scene })).not.toHaveProperty('referenceFactor');
    expect(settingsOf({ ...initialState, resultSettings: ran, resultScene: { ...scene, referenceFactor: 4 } })).toMatchObject({ referenceFactor: 4 });
    // After a queue: when a finished date applied it.
    const dates = (factor?: number): AppState['series'] => [{ sceneId: 'b', state: 'done', result: { ...seriesResult(), scene: { ...scene, ...(factor ? { referenceFactor: factor } : {}) } } }];
    expect(settingsOf({ ...initialState, resultSettings: ran, series: dates() })).not.toHaveProperty('referenceFactor');
    expect(settingsOf({ ...initialState, resultSettings: ran, series: dates(4) })).toMatchObject({ referenceFactor: 4 });
  });

  it('records them when SRDA-Net ran, alone or among all methods', () => {
    for (const method of ['srda', 'all'] as const) {
      expect(settingsOf(stateAfterRun(method, WEIGHTS))).toMatchObject({ method, ...srdaBoxes });
    }
  });

  it('leaves them out when SRDA-Net was asked for but did not run (no weights: the report says "SRDA-Net not used")', () => {
    const s = stateAfterRun('srda');
    expect(buildReport(s).weights).toBe('SRDA-Net not used');
    expect(settingsOf(s)).not.toHaveProperty('srdaOrientations');
  });

  it('after a queue of dates, records them when SRDA-Net ran on any finished date', () => {
    const dates = (w?: RunResult['weights']): AppState['series'] => [
      { sceneId: 'a', state: 'failed' },
      { sceneId: 'b', state: 'done', result: seriesResult(w) },
    ];
    expect(settingsOf({ ...stateAfterRun('srda'), series: dates(WEIGHTS) })).toMatchObject(srdaBoxes);
    expect(settingsOf({ ...stateAfterRun('bicubic'), series: dates() })).not.toHaveProperty('srdaOrientations');
  });
});

/** A result layer as the worker sends it (no pixels: the report reads its metadata and statistics). */
function layer(id: string, method: string, isFinal = false): LayerData {
  return {
    id,
    label: id,
    kind: 'output',
    method,
    stage: 1,
    isFinal,
    units: 'K',
    pixelSizeM: 250,
    resolutionM: 250,
    fileStem: `scene_${id}`,
    grid: { width: 2, height: 2, transform: [0, 250, 0, 0, 0, -250], crs: { epsg: 32646, proj4: '+proj=utm +zone=46 +datum=WGS84', name: 'WGS 84 / UTM zone 46N', isGeographic: false } },
    data: new Float32Array(4),
    display: { width: 2, height: 2, bounds: [0, 0, 1, 1], data: new Float32Array(4) },
    stats: { min: 300, max: 310, mean: 305, std: 1, p2: 300, p98: 310, validFraction: 1, histogram: { min: 300, max: 310, counts: [4] } },
  };
}

const metric = (method: string) => ({ method, rmse: 1, mae: 1, bias: 0, r2: 0.9 });

describe('buildReport describes the run that made the results', () => {
  it('records the settings the run used, not the panel as changed after it', () => {
    const ran = { ...initialState.settings, method: 'bicubic' as const, residualCorrection: true };
    const s: AppState = {
      ...initialState,
      resultSettings: ran,
      // After the run: SRDA-Net picked with its boxes ticked, residual correction off.
      settings: { ...ran, ...srdaBoxes, method: 'srda', residualCorrection: false },
    };
    expect(settingsOf(s)).toMatchObject({ method: 'bicubic', residualCorrection: true });
    expect(settingsOf(s)).not.toHaveProperty('srdaOrientations');
    expect(buildReport(s).weights).toBe('SRDA-Net not used');
  });

  it('after a queue, records the settings the queue ran with, not the panel changed after it', () => {
    const ran = { ...initialState.settings, ...srdaBoxes, method: 'srda' as const };
    const done = { sceneId: 'b', state: 'done' as const, result: seriesResult(WEIGHTS) };
    const s: AppState = { ...initialState, resultSettings: ran, series: [done], settings: { ...ran, method: 'tsharp', finetuneSteps: 0 } };
    expect(settingsOf(s)).toMatchObject({ method: 'srda', ...srdaBoxes });
  });

  it('records no settings before any run', () => {
    expect(buildReport(initialState)).not.toHaveProperty('settings');
  });

  it("lists only the last run's layers (those in the ZIP) and names what an earlier run left on screen", () => {
    const srdaRun = { ...initialState.settings, method: 'srda' as const };
    const first = { ...seriesResult(WEIGHTS), layers: [layer('lst-1000m', 'input'), layer('srda-250m', 'srda', true)], metrics: [metric('srda')], energyError: [{ stage: 2, maxAbsK: 1e-6, meanAbsK: 1e-7 }] };
    const afterFirst: AppState = { ...initialState, ...resultView(first, initialState, true, srdaRun) };
    const bicubicRun = { ...srdaRun, method: 'bicubic' as const, evaluate: false };
    const second = { ...seriesResult(), layers: [layer('lst-1000m', 'input'), layer('bicubic-250m', 'bicubic', true)], energyError: [{ stage: 2, maxAbsK: 2e-6, meanAbsK: 2e-7 }] };
    const s: AppState = { ...afterFirst, ...resultView(second, afterFirst, true, bicubicRun) };
    // The SRDA-Net layer and metrics stay on the map...
    expect(s.layers.map((l) => l.id)).toEqual(['srda-250m', 'lst-1000m', 'bicubic-250m']);
    expect(s.metrics.map((m) => m.method)).toEqual(['srda']);
    // ...but the report neither claims them for the bicubic run nor lists them among the exported files.
    const report = buildReport(s);
    expect(report.weights).toBe('SRDA-Net not used');
    expect((report.settings as Record<string, unknown>).method).toBe('bicubic');
    expect((report.layers as { id: string }[]).map((l) => l.id)).toEqual(['lst-1000m', 'bicubic-250m']);
    expect(report.metrics).toEqual([]);
    expect(report.earlierRun).toMatchObject({ note: expect.stringContaining('not in this export'), layers: [{ id: 'srda-250m', method: 'srda' }], metrics: [metric('srda')], energyError: first.energyError });
    // Each energy error beside its own run: the report's is the bicubic run's.
    expect(report.energyError).toEqual(second.energyError);
    // A run that makes every layer again leaves nothing earlier.
    const third = { ...first, layers: [...first.layers, layer('bicubic-250m', 'bicubic')] };
    expect(buildReport({ ...s, ...resultView(third, s, true, srdaRun) })).not.toHaveProperty('earlierRun');
  });
});

describe('buildReport after a queue', () => {
  it('gives each date the weights its own run used', () => {
    const ran = { ...initialState.settings, method: 'srda' as const };
    const series: AppState['series'] = [
      { sceneId: 'a', state: 'done', result: seriesResult(WEIGHTS) },
      { sceneId: 'b', state: 'done', result: seriesResult() },
    ];
    const dates = buildReport({ ...initialState, resultSettings: ran, series }).dates as Record<string, unknown>[];
    expect(dates.map((d) => d.weights)).toEqual([WEIGHTS, 'SRDA-Net not used']);
  });
});

describe("buildReport's closedLoopCheck: the trust panel's verdict in the CLI's report.json field", () => {
  const loop = { coarsePixelM: 1698, referencePixelM: 849, outputPixelM: 212 };
  const scored = (rmse: Record<string, number>, pixels: number) => Object.entries(rmse).map(([method, r]) => ({ ...metric(method), rmse: r, pixels }));
  const ran = { ...initialState.settings, method: 'all' as const };
  const after = (metrics: ReturnType<typeof scored>): AppState => {
    const result = { ...seriesResult(WEIGHTS), metrics, closedLoop: loop };
    return { ...initialState, ...resultView(result, initialState, true, ran) };
  };

  it('names the method to use, the pixels it rests on and the sentence the panel shows', () => {
    const s = after(scored({ srda: 0.524, bicubic: 0.542, tsharp: 0.643, dms: 0.6 }, 12_345));
    expect(buildReport(s).closedLoopCheck).toEqual({
      coarsePixelM: 1698,
      referencePixelM: 849,
      pixels: 12_345,
      recommendedMethod: 'srda',
      message: "Recommended on this scene: SRDA-Net, the lowest closed-loop error (the loop's 12,345 valid pixels).",
    });
    // Fine-tuned SRDA-Net is still the method `srda`, as the CLI names it.
    expect(buildReport(after(scored({ 'srda (fine-tuned)': 0.5, bicubic: 0.542 }, 500))).closedLoopCheck).toMatchObject({ recommendedMethod: 'srda' });
    expect(buildReport(after(scored({ srda: 0.539, bicubic: 0.542, tsharp: 0.7 }, 500))).closedLoopCheck).toMatchObject({ recommendedMethod: 'bicubic', message: expect.stringMatching(/^Recommended on this scene: bicubic\. No sharpening method beat it by 1 %/) });
  });

  it("recommends bicubic where SRDA-Net is under 1 % better, as the CLI's downscale now does (Dhaka 2024-05-24 with full detail: 'srda' there before)", () => {
    // The closed-loop scores `downscale --full-detail` measured on that date (0.7 % apart).
    const near = buildReport(after(scored({ srda: 0.37472626169208595, bicubic: 0.3773043843176256 }, 2240))).closedLoopCheck;
    expect(near).toMatchObject({ pixels: 2240, recommendedMethod: 'bicubic' });
  });

  it('recommends nothing on fewer than MIN_LOOP_PIXELS loop pixels, as the CLI does, and is absent without a check', () => {
    const few = buildReport(after(scored({ srda: 0.115, bicubic: 0 }, 56))).closedLoopCheck as Record<string, unknown>;
    expect(few).not.toHaveProperty('recommendedMethod');
    expect(few).toMatchObject({ pixels: 56, message: expect.stringMatching(/^No method is recommended on this scene: its closed loop has 56 valid pixels/) });
    expect(buildReport({ ...initialState, ...resultView(seriesResult(WEIGHTS), initialState, true, ran) })).not.toHaveProperty('closedLoopCheck');
  });

  it('after a queue, per date; beside an earlier run\'s scores, in earlierRun', () => {
    const metrics = scored({ tsharp: 0.5, bicubic: 0.6 }, 900);
    const series: AppState['series'] = [
      { sceneId: 'a', state: 'done', result: { ...seriesResult(), metrics, closedLoop: loop } },
      { sceneId: 'b', state: 'failed' },
    ];
    const dates = buildReport({ ...initialState, resultSettings: ran, series }).dates as Record<string, unknown>[];
    expect(dates.map((d) => (d.closedLoopCheck as { recommendedMethod?: string } | undefined)?.recommendedMethod)).toEqual(['tsharp', undefined]);
    // A bicubic run without the check after a scored run: the scores on screen, and their verdict, are the earlier run's.
    const first = after(metrics);
    const second = { ...seriesResult(), layers: [layer('bicubic-250m', 'bicubic', true)] };
    const report = buildReport({ ...first, ...resultView(second, first, true, { ...ran, method: 'bicubic', evaluate: false }) });
    expect(report).not.toHaveProperty('closedLoopCheck');
    expect(report.earlierRun).toMatchObject({ closedLoopCheck: { recommendedMethod: 'tsharp', pixels: 900 } });
  });
});

describe("buildReport's independentLst: the trust panel's table against an independent LST", () => {
  const truth = {
    name: 'ASTER_LST_250m.tif',
    pixelSizeM: 231.7,
    finerStages: [],
    rows: [{ method: 'srda', stage: 2, pixelSizeM: 231.7, how: 'resampled' as const, n: 100, rmseK: 2.1, biasK: -0.6, offsetFreeRmseK: 2.0, detailPixels: 96, detailRmseK: 1.1, detailCorr: 0.7, truthDetailSdK: 1.6, maeK: 1.7, r2: 0.7, r: 0.9 }],
  };
  const ran = { ...initialState.settings, method: 'srda' as const };

  it('records the last run\'s table, and each date\'s own after a queue; nothing without one', () => {
    const s = { ...initialState, ...resultView({ ...seriesResult(WEIGHTS), truth }, initialState, true, ran) };
    expect(buildReport(s).independentLst).toEqual(truth);
    const series: AppState['series'] = [
      { sceneId: 'a', state: 'done', result: { ...seriesResult(WEIGHTS), truth } },
      { sceneId: 'b', state: 'done', result: seriesResult(WEIGHTS) },
    ];
    const dates = buildReport({ ...initialState, resultSettings: ran, series }).dates as Record<string, unknown>[];
    expect(dates.map((d) => d.independentLst)).toEqual([truth, undefined]);
    // A later run without one leaves none from the run before.
    const later = { ...s, ...resultView(seriesResult(WEIGHTS), s, true, ran) };
    expect(buildReport(later)).not.toHaveProperty('independentLst');
  });
});
