import { describe, expect, it } from 'vitest';
import { harmVerdict } from './do-no-harm.ts';

describe('do-no-harm verdict', () => {
  it('says in plain words, naming the file, that SRDA-Net is worse and recommends bicubic', () => {
    const v = harmVerdict('MOD11A2_LST.tif', 0.561, 0.542, 1850, 925);
    expect(v.srdaWorse).toBe(true);
    expect(v.message).toContain('MOD11A2_LST.tif');
    expect(v.message).toContain('worse than bicubic');
    expect(v.message).toContain('use the bicubic method');
    expect(v.message).toContain('0.561 K vs 0.542 K');
    expect(v.message).toContain('3.5 % worse');
  });

  it('gives no percentage when bicubic fits the loop exactly (a few valid pixels), instead of "Infinity % worse"', () => {
    const v = harmVerdict('MOD11A2.006_aid0001.nc [band 1: LST_Day_1km]', 0.115, 0, 1853, 927);
    expect(v.srdaWorse).toBe(true);
    expect(v.message).toContain('(1853 m -> 927 m: RMSE 0.115 K vs 0.000 K)');
    expect(v.message).not.toMatch(/Infinity|NaN/);
    expect(harmVerdict('lst.tif', 0, 0, 500, 250).message).not.toMatch(/Infinity|NaN/);
  });

  it('confirms SRDA-Net when it beats bicubic, without a recommendation to switch', () => {
    const v = harmVerdict('lst.tif', 0.5, 0.6, 500, 250);
    expect(v.srdaWorse).toBe(false);
    expect(v.message).toContain('beats bicubic');
    expect(v.message).not.toContain('use the bicubic');
  });
});
