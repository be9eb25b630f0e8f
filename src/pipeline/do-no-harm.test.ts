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

  it('confirms SRDA-Net when it beats bicubic, without a recommendation to switch', () => {
    const v = harmVerdict('lst.tif', 0.5, 0.6, 500, 250);
    expect(v.srdaWorse).toBe(false);
    expect(v.message).toContain('beats bicubic');
    expect(v.message).not.toContain('use the bicubic');
  });
});
