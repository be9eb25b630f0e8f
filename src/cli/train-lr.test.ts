import { describe, expect, it } from 'vitest';
import { learningRate, trainCommand } from './train.ts';

describe('learningRate', () => {
  it('warms up over 100 steps, then decays by a cosine to 5% of the base at the last step', () => {
    expect(learningRate(1e-3, 0, 1000)).toBeCloseTo(1e-5, 12);
    expect(learningRate(1e-3, 99, 1000)).toBeCloseTo(1e-3, 12);
    expect(learningRate(1e-3, 100, 1000)).toBeCloseTo(1e-3, 12);
    expect(learningRate(1e-3, 550, 1000)).toBeCloseTo(1e-3 * (0.05 + 0.95 * 0.5), 12);
    expect(learningRate(1e-3, 1000, 1000)).toBeCloseTo(5e-5, 12);
  });

  it('with a restart step starts the cosine again from the base there, without a warm-up', () => {
    expect(learningRate(4e-4, 5000, 9000, 5000)).toBeCloseTo(4e-4, 12);
    expect(learningRate(4e-4, 7000, 9000, 5000)).toBeCloseTo(4e-4 * (0.05 + 0.95 * 0.5), 12);
    expect(learningRate(4e-4, 9000, 9000, 5000)).toBeCloseTo(2e-5, 12);
    // Steps before the restart (a run resumed from an earlier checkpoint) stay at the base.
    expect(learningRate(4e-4, 4000, 9000, 5000)).toBeCloseTo(4e-4, 12);
    let prev = Infinity;
    for (let s = 5000; s <= 9000; s += 250) {
      const lr = learningRate(4e-4, s, 9000, 5000);
      expect(lr).toBeLessThanOrEqual(prev);
      prev = lr;
    }
  });

  it('refuses a restart step at or after the last step, before reading any data', async () => {
    await expect(trainCommand(['--out', '/nonexistent/x', '--steps', '100', '--restart-at', '100'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(trainCommand(['--out', '/nonexistent/x', '--steps', '100', '--restart-at', '2.5'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('refuses a negative or non-numeric consistency weight, before reading any data', async () => {
    await expect(trainCommand(['--out', '/nonexistent/x', '--consistency', '-1'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(trainCommand(['--out', '/nonexistent/x', '--consistency', 'lots'])).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('refuses loop copies that are not a whole number >= 1, before reading any data', async () => {
    for (const bad of ['0', '1.5', '-2', 'many']) {
      await expect(trainCommand(['--out', '/nonexistent/x', '--loop-copies', bad])).rejects.toMatchObject({
        code: 'BAD_ARGUMENT',
        message: expect.stringMatching(/^--loop-copies (must be a whole number >= 1|needs a number)/),
      });
    }
  });
});
