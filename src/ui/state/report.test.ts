import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../worker/protocol.ts';
import { buildReport } from './report.ts';
import { initialState, type AppState, type RunSettings } from './store.ts';

const WEIGHTS = { format: 'srda-net', version: 2, size: 'base' };
/** SRDA-Net's own boxes ticked in the run panel: fine-tune, keep all detail, 8 orientations. */
const srdaBoxes: Partial<RunSettings> = { finetuneSteps: 200, srdaFullDetail: true, srdaOrientations: 8 };

function stateAfterRun(method: RunSettings['method'], weights?: RunResult['weights']): AppState {
  return { ...initialState, settings: { ...initialState.settings, ...srdaBoxes, method }, weights };
}

function seriesResult(weights?: RunResult['weights']): RunResult {
  return { layers: [], metrics: [], timings: [], energyError: [], scatter: [], notices: [], scene: { id: 'd', lstName: 'lst.tif', tag: 't' }, ...(weights ? { weights } : {}) };
}

const settingsOf = (s: AppState) => buildReport(s).settings as Record<string, unknown>;

describe('buildReport settings', () => {
  it("leaves out SRDA-Net's own settings when the run's method was not SRDA-Net, as the CLI's report.json does", () => {
    for (const method of ['bicubic', 'tsharp', 'dms'] as const) {
      const settings = settingsOf(stateAfterRun(method));
      expect(settings.method).toBe(method);
      expect(settings).not.toHaveProperty('srdaOrientations');
      expect(settings).not.toHaveProperty('srdaFullDetail');
      expect(settings).not.toHaveProperty('finetuneSteps');
      // The settings every method reads stay.
      expect(settings).toMatchObject({ residualCorrection: true, referenceFactor: 2, maxDateGapDays: 8 });
    }
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
