import { describe, expect, it } from 'vitest';
import { changedSettings, settingsChangedText } from './settings-change.ts';
import { initialState, type RunSettings } from './store.ts';

const ran: RunSettings = { ...initialState.settings, method: 'srda' };
const guides = { isSameGrid: false, hasGuides: true };

describe('changedSettings', () => {
  it('names, in the run panel\'s words, each setting changed since the run', () => {
    expect(changedSettings(ran, ran, guides)).toEqual([]);
    expect(changedSettings(ran, { ...ran, method: 'bicubic', residualCorrection: false }, guides)).toEqual(['method', 'residual correction']);
    expect(changedSettings(ran, { ...ran, finetuneSteps: 200, srdaFullDetail: true, srdaOrientations: 8, backend: 'wasm' }, guides)).toEqual([
      'fine-tuning',
      "keep all of SRDA-Net's detail",
      'orientations',
      'backend',
    ]);
    expect(changedSettings(ran, { ...ran, method: 'all', evaluate: false, guidesInPlace: true }, guides)).toEqual(['method', 'keep guides in place', 'closed-loop check']);
  });

  it('ignores what would not change the results: unset and default alike, boxes SRDA-Net alone reads after a run without it, the reference factor off one grid, the date', () => {
    // The default is one pass: unset reads as 1, and 2 after a default run is a change.
    expect(ran.srdaOrientations).toBe(1);
    expect(changedSettings({ ...ran, srdaOrientations: undefined, srdaFullDetail: false }, ran, guides)).toEqual([]);
    expect(changedSettings(ran, { ...ran, srdaOrientations: 2 }, guides)).toEqual(['orientations']);
    const bicubic: RunSettings = { ...ran, method: 'bicubic' };
    expect(changedSettings(bicubic, { ...bicubic, finetuneSteps: 200, srdaOrientations: 8, backend: 'cpu' }, guides)).toEqual([]);
    expect(changedSettings(ran, { ...ran, referenceFactor: 4 }, guides)).toEqual([]);
    expect(changedSettings(ran, { ...ran, referenceFactor: 4 }, { isSameGrid: true, hasGuides: true })).toEqual(['reference factor']);
    expect(changedSettings(ran, { ...ran, guidesInPlace: true }, { isSameGrid: false, hasGuides: false })).toEqual([]);
    expect(changedSettings(ran, { ...ran, sceneId: '2024-04-06', runAllDates: false, seriesFrom: '2024-04-06', maxDateGapDays: 16 }, guides)).toEqual([]);
  });
});

describe('settingsChangedText', () => {
  it('says the results were made with other settings, what to do, then which settings', () => {
    expect(settingsChangedText([])).toBeUndefined();
    expect(settingsChangedText(['method', 'residual correction', 'orientations'])).toBe(
      'Results made with other settings: press Run to update them (method, residual correction, orientations).',
    );
  });
});
