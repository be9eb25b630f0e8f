import { describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { evaluateSampledLoop, loopWindows } from './loop-sample.ts';
import { prepareScene } from './prepare.ts';
import { synthScene } from './test-scenes.ts';

describe('evaluateSampledLoop', () => {
  it('scores a fitted method on the windows it can fit when one window of a large scene is all ocean or cloud', async () => {
    // 800 x 800 coarse px (windowed); the first window's whole run area has no LST.
    const { ndvi, lst } = synthScene(1600, 1600, 250);
    const coarse = aggregateMean(lst, 2);
    const first = loopWindows(800, 800)[0].run;
    for (let r = 0; r < first.row + first.height; r++) for (let c = 0; c < first.col + first.width; c++) coarse.data[r * 800 + c] = Number.NaN;
    const scene = prepareScene({ lst: coarse, aux: { ndvi } });
    const reports: Progress[] = [];
    const loop = await evaluateSampledLoop(scene, ['bicubic', 'tsharp'], {}, { onProgress: (p) => reports.push(p) });
    const [bic, ts] = loop.methods;
    // One report per finished window of each run (two methods, each with and without residual
    // correction), counting the windows, not each window's own 'tile 1/1'.
    const windowReports = reports.filter((p) => p.detail?.startsWith('window '));
    expect(reports.filter((p) => p.detail?.startsWith('tile '))).toEqual([]);
    const runs = ['Bicubic corrected', 'Bicubic uncorrected', 'TsHARP corrected', 'TsHARP uncorrected'];
    expect(windowReports.map((p) => `${p.stage} ${p.done}/${p.total} ${p.detail}`)).toEqual(
      runs.flatMap((r) => Array.from({ length: 9 }, (_, i) => `${r}, stage 1 ${i + 1}/9 window ${i + 1}/9`)),
    );
    expect(ts.method).toBe('tsharp');
    // Eight of the nine windows scored, the same pixels as bicubic's (nothing to score in the first).
    expect(bic.corrected.n).toBeGreaterThan(0);
    expect(ts.corrected.n).toBe(bic.corrected.n);
    expect(ts.corrected.rmseK).toBeLessThan(bic.corrected.rmseK);
  }, 120_000);

  it('still fails when the method fits no window at all', async () => {
    // LST only in the rows above every window.
    const { ndvi, lst } = synthScene(1600, 1600, 250);
    const coarse = aggregateMean(lst, 2);
    const top = Math.min(...loopWindows(800, 800).map((w) => w.run.row));
    coarse.data.fill(Number.NaN, top * 800);
    const scene = prepareScene({ lst: coarse, aux: { ndvi } });
    const e = await evaluateSampledLoop(scene, ['bicubic', 'tsharp']).catch((x: unknown) => x);
    expect(isAppError(e) && e.code).toBe('ALL_NODATA');
  }, 120_000);
});
