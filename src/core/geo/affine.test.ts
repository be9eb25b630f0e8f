import { describe, expect, it } from 'vitest';
import { pixelToWorld, worldToPixel, refineAffine } from './affine.ts';

describe('affine', () => {
  it('maps pixel corners to world coordinates and back', () => {
    const t = [100, 10, 0, 500, 0, -10] as const;
    expect(pixelToWorld(t, 2, 3)).toEqual([120, 470]);
    expect(worldToPixel(t, 120, 470)).toEqual([2, 3]);
  });
  it('halves the pixel size when refining by 2', () => {
    expect(refineAffine([0, 1000, 0, 0, 0, -1000], 2)).toEqual([0, 500, 0, 0, 0, -500]);
  });
});
