import { describe, expect, it } from 'vitest';
import { harmVerdict } from './do-no-harm.ts';
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
