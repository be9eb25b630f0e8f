import { describe, expect, it } from 'vitest';
import { detailWeightMessage, harmVerdict, loopScoresVerdict, srdaOutputCheck } from './do-no-harm.ts';
import type { DetailWeight } from './detail-weight.ts';
import type { StageMethod } from './method.ts';
import type { Scene } from './scene.ts';
import { MIN_LOOP_PIXELS } from '../core/loop-pixels.ts';

describe('do-no-harm verdict', () => {
  it('says in plain words, naming the file, that SRDA-Net is worse and recommends bicubic', () => {
    const v = harmVerdict('MOD11A2_LST.tif', 0.561, 0.542, 1850, 925, 12_000);
    expect(v.srdaWorse).toBe(true);
    expect(v.message).toContain('MOD11A2_LST.tif');
    expect(v.message).toContain('worse than bicubic');
    expect(v.message).toContain('use the bicubic method');
    expect(v.message).toContain('0.561 K vs 0.542 K');
    expect(v.message).toContain('3.5 % worse');
    expect(v.recommendedMethod).toBe('bicubic');
  });

  it('gives no percentage when bicubic fits the loop exactly (a few valid pixels), instead of "Infinity % worse"', () => {
    const v = harmVerdict('MOD11A2.006_aid0001.nc [band 1: LST_Day_1km]', 0.115, 0, 1853, 927, 64);
    expect(v.srdaWorse).toBe(true);
    expect(v.message).toContain('(1853 m -> 927 m: RMSE 0.115 K vs 0.000 K)');
    expect(v.message).not.toMatch(/Infinity|NaN/);
    expect(harmVerdict('lst.tif', 0, 0, 500, 250, 64).message).not.toMatch(/Infinity|NaN/);
  });

  it('confirms SRDA-Net when it beats bicubic, without a recommendation to switch', () => {
    const v = harmVerdict('lst.tif', 0.5, 0.6, 500, 250, 5000);
    expect(v.srdaWorse).toBe(false);
    expect(v.message).toContain('beats bicubic');
    expect(v.message).not.toContain('use the bicubic');
    expect(v.recommendedMethod).toBe('srda');
  });

  it('recommends bicubic, saying why, when SRDA-Net beats it by less than 1 % (the rule the app reads), and SRDA-Net from 1 % on', () => {
    // 0.5 % better: the CLI said 'srda' here before, the app's trust panel 'bicubic'.
    const v = harmVerdict('lst.tif', 0.597, 0.6, 500, 250, 5000);
    expect(v.srdaWorse).toBe(false);
    expect(v.recommendedMethod).toBe('bicubic');
    expect(v.message).toBe(
      "On lst.tif, SRDA-Net is within 1 % of bicubic with residual correction in this scene's own closed loop (500 m -> 250 m: RMSE 0.597 K vs 0.600 K, 0.5 % better), less than the 1 % a method must gain to be recommended: use the bicubic method for this scene.",
    );
    expect(harmVerdict('lst.tif', 0.594, 0.6, 500, 250, 5000).recommendedMethod).toBe('srda');
  });

  it('recommends nothing on a loop of fewer than MIN_LOOP_PIXELS valid pixels, and says so with the count', () => {
    // Buffalo 2000-02-18 (2 % valid): bicubic fits its handful of loop pixels exactly.
    const v = harmVerdict('MOD11A1.A2000049.hdf', 0.115, 0, 1853, 927, MIN_LOOP_PIXELS - 1);
    expect(v.recommendedMethod).toBeUndefined();
    expect(v.pixels).toBe(63);
    expect(v.message).toBe(
      "On MOD11A1.A2000049.hdf, no method is recommended: this scene's own closed loop (1853 m -> 927 m) has 63 valid pixels, fewer than 64, too few to tell SRDA-Net from bicubic (RMSE 0.115 K vs 0.000 K there).",
    );
    expect(v.message).not.toContain('use the bicubic');
    expect(harmVerdict('lst.tif', 0.5, 0.6, 500, 250, MIN_LOOP_PIXELS).recommendedMethod).toBe('srda');
  });
});

describe('closed-loop verdict on the method a run wrote', () => {
  const n = 5000;
  it('says the method written is worse than the one recommended, with both RMSEs', () => {
    const v = loopScoresVerdict('lst.tif', [{ method: 'tsharp', rmseK: 0.622, pixels: n }, { method: 'bicubic', rmseK: 0.542, pixels: n }], 1698, 849, 'tsharp');
    expect(v).toMatchObject({ recommendedMethod: 'bicubic', writtenMethod: 'tsharp', writtenWorse: true });
    expect(v!.message).toContain('The method written here, TsHARP, is worse than bicubic there (RMSE 0.622 K vs 0.542 K, 14.8 % worse): use bicubic for this scene.');
  });

  it('says the method written is within 1 % of bicubic when it is better by less', () => {
    const v = loopScoresVerdict('lst.tif', [{ method: 'dms', rmseK: 0.597, pixels: n }, { method: 'bicubic', rmseK: 0.6, pixels: n }], 500, 250, 'dms');
    expect(v).toMatchObject({ recommendedMethod: 'bicubic', writtenWorse: false });
    expect(v!.message).toContain('The method written here, DMS, is within 1 % of bicubic there (RMSE 0.597 K vs 0.600 K, 0.5 % better)');
  });

  it('adds nothing when the method written is the one recommended', () => {
    const v = loopScoresVerdict('lst.tif', [{ method: 'tsharp', rmseK: 0.5, pixels: n }, { method: 'bicubic', rmseK: 0.6, pixels: n }], 500, 250, 'tsharp');
    expect(v).toMatchObject({ recommendedMethod: 'tsharp', writtenWorse: false });
    expect(v!.message).not.toContain('written here');
  });
});

describe("SRDA-Net output's verdict among every method the loop scored", () => {
  const weight: DetailWeight = { alpha: 0.6, srdaRmseK: 0.53, bicubicRmseK: 0.542, blendedRmseK: 0.524, coarsePixelM: 1698, referencePixelM: 849, pixels: 2304 };
  const noScene = undefined as unknown as Scene;
  const noMethod = undefined as unknown as StageMethod;

  // Before, a batch --closed-loop srda,bicubic,tsharp judged SRDA-Net against bicubic only.
  it('recommends another scored method when it beats SRDA-Net as written and bicubic by the rule', async () => {
    const check = await srdaOutputCheck(noScene, noMethod, 'lst.tif', weight, 'linear', {}, [{ method: 'srda', rmseK: 0.53, pixels: 2304 }, { method: 'bicubic', rmseK: 0.542, pixels: 2304 }, { method: 'tsharp', rmseK: 0.5, pixels: 2304 }]);
    expect(check).toMatchObject({ recommendedMethod: 'tsharp', weightedRmseK: 0.524, detailWeight: 0.6 });
    expect(check!.message).toContain('recommended: TsHARP');
    expect(check!.message).toContain('The method written here, SRDA-Net, is worse than TsHARP there (RMSE 0.524 K vs 0.500 K');
  });

  it('keeps the SRDA-Net verdict when the other methods do worse than it', async () => {
    const alone = await srdaOutputCheck(noScene, noMethod, 'lst.tif', weight, 'linear');
    const withDms = await srdaOutputCheck(noScene, noMethod, 'lst.tif', weight, 'linear', {}, [{ method: 'dms', rmseK: 0.674, pixels: 2304 }]);
    expect(withDms).toEqual(alone);
    expect(alone!.recommendedMethod).toBe('srda');
  });
});

describe('detailWeightMessage beside the trust panel', () => {
  // The weighted output within 1 % of bicubic: too little to recommend SRDA-Net.
  const w: DetailWeight = { alpha: 0.3, srdaRmseK: 0.62, bicubicRmseK: 0.6, blendedRmseK: 0.598, coarsePixelM: 500, referencePixelM: 250, pixels: 5000 };

  it('recommends bicubic when nothing else was scored, or bicubic won the check', () => {
    for (const rec of [undefined, 'bicubic', 'srda (fine-tuned)']) expect(detailWeightMessage('lst.tif', w, rec)).toMatch(/too little to recommend SRDA-Net: bicubic is recommended for this scene\.$/);
  });

  it('names the method the closed-loop check recommends instead of saying bicubic (before: "bicubic is recommended" beside a panel recommending DMS)', () => {
    const m = detailWeightMessage('lst.tif', w, 'dms');
    expect(m).toMatch(/too little to recommend SRDA-Net: of the methods the closed-loop check scored, DMS is recommended for this scene\.$/);
    expect(m).not.toContain('bicubic is recommended');
    expect(m).toMatch(/^On lst\.tif, SRDA-Net alone is 3\.3 % worse/);
  });

  it('says nothing of a recommendation when the weight keeps enough to recommend SRDA-Net', () => {
    const good = { ...w, blendedRmseK: 0.55 };
    expect(detailWeightMessage('lst.tif', good, 'dms')).not.toMatch(/recommended/);
  });
});
