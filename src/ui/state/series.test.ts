import { describe, expect, it } from 'vitest';
import type { RunResult, ScenePreview } from '../../worker/protocol.ts';
import { datesToRun, failureText, showDate } from './series.ts';
import { initialState, store } from './store.ts';

const scenes = ['2024-03-29', '2024-04-06', '2024-04-14', '2024-04-22'].map((id) => ({ id, date: id, lstNames: [`${id}.tif`] }));
const preview = { scenes, sceneId: '2024-03-29', used: {}, dateGaps: [], isSameGrid: false, isLstOnly: false, notices: [] } as ScenePreview;

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

describe('failureText', () => {
  it("gives the worker's sentence with what to do in the app, or the plain words of the code", () => {
    expect(failureText({ code: 'DATE_MISMATCH', message: 'a.tif (ndvi, 2024-05-24) is 9 days from the LST b.tif.', hint: 'Raise "Max date gap" in the scene panel to 9 days.' })).toBe(
      'a.tif (ndvi, 2024-05-24) is 9 days from the LST b.tif. Raise "Max date gap" in the scene panel to 9 days.',
    );
    expect(failureText({ code: 'ALL_NODATA', message: 'x', file: 'c.tif' })).toMatch(/^“c\.tif” contains no valid pixels\./);
  });
});

describe('showDate', () => {
  it("holds the shown date's own weights and fine-tuning: a date that ran without SRDA-Net shows none, not an earlier date's", () => {
    const weights = { format: 'srda-net', version: 2, size: 'base' };
    const finetune = { steps: 200, seconds: 3, rmseBeforeK: 1.2, rmseAfterK: 1.1, kept: true };
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
