import { describe, expect, it } from 'vitest';
import type { Progress } from '../core/progress.ts';
import { aggregateMean } from '../core/raster/aggregate.ts';
import { tsharpMethod } from '../pipeline/baselines/tsharp.ts';
import { fitDetailWeight } from '../pipeline/detail-weight.ts';
import { prepareScene } from '../pipeline/prepare.ts';
import { synthScene } from '../pipeline/test-scenes.ts';
import { partProgress } from './run-progress.ts';

describe('partProgress', () => {
  it("reads the detail weight's reports as one phrase: 'SRDA-Net detail weight: Bicubic, stage 1', with its step", async () => {
    const { ndvi, lst } = synthScene(128, 128, 250);
    const scene = prepareScene({ lst: aggregateMean(lst, 2), aux: { ndvi } });
    const seen: Progress[] = [];
    // As runJob wraps it: the first of 5 parts, the loop's one stage left as it is.
    const label = partProgress(0, 5, undefined, (stage) => `SRDA-Net ${stage}`);
    expect(await fitDetailWeight(scene, tsharpMethod, 'linear', { onProgress: (p) => seen.push(label(p)) })).toBeDefined();
    const phrases = new Set(seen.map((p) => p.stage));
    expect(phrases).toEqual(new Set(['SRDA-Net detail weight: SRDA-Net, stage 1', 'SRDA-Net detail weight: Bicubic, stage 1']));
    expect(seen.every((p) => p.step === 1 && p.steps === 5)).toBe(true);
  });

  it("says which of the scene's stages a method's run is in, and leaves other words alone", () => {
    const label = partProgress(2, 4, 2, (stage) => `Bicubic, ${stage}`);
    expect(label({ stage: 'stage 2', done: 3, total: 9, detail: 'tile 3/9' })).toEqual({ stage: 'Bicubic, stage 2 of 2', done: 3, total: 9, detail: 'tile 3/9', step: 3, steps: 4 });
    expect(label({ stage: 'srda', done: 1, total: 4 }).stage).toBe('Bicubic, srda');
  });
});
