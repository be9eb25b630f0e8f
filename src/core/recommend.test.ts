import { describe, expect, it } from 'vitest';
import { MIN_LOOP_PIXELS } from './loop-pixels.ts';
import { recommendMethod } from './recommend.ts';

const n = 5000;

describe('recommendMethod: the one rule the app and the CLI recommend by', () => {
  it('recommends the lowest RMSE among every scored method from 1 % below bicubic, bicubic below that margin', () => {
    // 1.0 % exactly is enough; 0.99 % is not (the CLI recommended SRDA-Net on any gain before).
    expect(recommendMethod([{ method: 'srda', rmseK: 0.99, pixels: n }, { method: 'bicubic', rmseK: 1, pixels: n }])?.recommendedMethod).toBe('srda');
    const near = recommendMethod([{ method: 'srda', rmseK: 0.9901, pixels: n }, { method: 'bicubic', rmseK: 1, pixels: n }]);
    expect(near).toMatchObject({ recommendedMethod: 'bicubic', best: 'srda', pixels: n });
    expect(near?.gain).toBeCloseTo(0.0099, 6);
    // Not only SRDA-Net: the best of every scored method.
    const three = [{ method: 'srda', rmseK: 0.98, pixels: n }, { method: 'bicubic', rmseK: 1, pixels: n }, { method: 'tsharp', rmseK: 0.9, pixels: n }];
    expect(recommendMethod(three)).toMatchObject({ recommendedMethod: 'tsharp', best: 'tsharp' });
    // SRDA-Net fine-tuned is recommended by its id.
    expect(recommendMethod([{ method: 'srda (fine-tuned)', rmseK: 0.5, pixels: n }, { method: 'bicubic', rmseK: 1, pixels: n }])).toMatchObject({ recommendedMethod: 'srda', best: 'srda (fine-tuned)' });
  });

  it('recommends nothing below MIN_LOOP_PIXELS, reading the fewest pixels any method rests on', () => {
    const few = recommendMethod([{ method: 'srda', rmseK: 0.5, pixels: n }, { method: 'bicubic', rmseK: 1, pixels: MIN_LOOP_PIXELS - 1 }]);
    expect(few?.recommendedMethod).toBeUndefined();
    expect(few?.pixels).toBe(MIN_LOOP_PIXELS - 1);
    expect(recommendMethod([{ method: 'srda', rmseK: 0.5, pixels: MIN_LOOP_PIXELS }, { method: 'bicubic', rmseK: 1, pixels: MIN_LOOP_PIXELS }])?.recommendedMethod).toBe('srda');
    // Without counts (older app scores) the floor cannot apply.
    expect(recommendMethod([{ method: 'srda', rmseK: 0.5 }, { method: 'bicubic', rmseK: 1 }])).toEqual({ recommendedMethod: 'srda', best: 'srda', gain: 0.5 });
  });

  it('breaks ties: bicubic wins a tie with it, and between others the method scored first', () => {
    expect(recommendMethod([{ method: 'srda', rmseK: 1, pixels: n }, { method: 'bicubic', rmseK: 1, pixels: n }])).toMatchObject({ recommendedMethod: 'bicubic', best: 'bicubic', gain: 0 });
    const tied = [{ method: 'dms', rmseK: 0.8, pixels: n }, { method: 'bicubic', rmseK: 1, pixels: n }, { method: 'tsharp', rmseK: 0.8, pixels: n }];
    expect(recommendMethod(tied)?.recommendedMethod).toBe('dms');
    expect(recommendMethod([tied[2], tied[1], tied[0]])?.recommendedMethod).toBe('tsharp');
    // A bicubic that fits the loop exactly: nothing beats it (no division by zero).
    expect(recommendMethod([{ method: 'srda', rmseK: 0, pixels: n }, { method: 'bicubic', rmseK: 0, pixels: n }])).toMatchObject({ recommendedMethod: 'bicubic', gain: 0 });
  });

  it('judges only what was scored: no bicubic, no verdict; a method without a finite score is left out', () => {
    expect(recommendMethod([{ method: 'srda', rmseK: 0.5, pixels: n }])).toBeUndefined();
    expect(recommendMethod([{ method: 'srda', rmseK: 0.5, pixels: n }, { method: 'bicubic', rmseK: Number.NaN, pixels: n }])).toBeUndefined();
    expect(recommendMethod([{ method: 'srda', rmseK: Number.NaN, pixels: 0 }, { method: 'bicubic', rmseK: 1, pixels: n }, { method: 'dms', rmseK: 0.95, pixels: n }])).toMatchObject({ recommendedMethod: 'dms', pixels: n });
    expect(recommendMethod([])).toBeUndefined();
  });
});
