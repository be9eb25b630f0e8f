import { describe, expect, it } from 'vitest';
import type { ScenePreview } from '../../worker/protocol.ts';
import { datesToRun, failureText } from './series.ts';
import { initialState } from './store.ts';

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
