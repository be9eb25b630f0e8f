import { describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../geo/crs.ts';
import { refineGrid } from '../geo/grid.ts';
import { blockMean } from './aggregate.ts';
import { addLinearSums, conservationError, correctLinearBlock, correctLinearRows, correctResiduals, correctResidualsInPlace, linearSums } from './correct.ts';
import type { Raster } from './raster.ts';

const N = Number.NaN;

describe('residual correction', () => {
  it('shifts each block by coarse minus block mean (hand-worked 2x2 -> 1x1)', () => {
    const fine = Float32Array.of(300, 302, N, 304); // valid mean 302
    const err = correctResidualsInPlace(fine, Float32Array.of(305), 1, 1, 2);
    expect(Array.from(fine)).toEqual([303, 305, N, 307]);
    expect(err).toEqual({ maxAbs: 0, meanAbs: 0, blocks: 1 });
  });

  it('masks blocks under invalid coarse pixels and fills empty valid blocks', () => {
    const fine = Float32Array.of(1, 2, N, N, 3, 4, N, N);
    correctResidualsInPlace(fine, Float32Array.of(N, 290), 2, 1, 2);
    expect(Array.from(fine)).toEqual([N, N, 290, 290, N, N, 290, 290]);
  });

  it('makes block means equal the coarse LST to 1e-4 K on a realistic field', () => {
    const cw = 40;
    const ch = 30;
    const f = 2;
    const fine = Float32Array.from(
      { length: cw * f * ch * f },
      (_, i) => 295 + 8 * Math.sin(i / 13) + ((i * 7919) % 17) / 4,
    );
    for (let i = 0; i < fine.length; i += 11) fine[i] = N;
    const coarse = Float32Array.from({ length: cw * ch }, (_, i) => 300 + 5 * Math.cos(i / 9));
    coarse[17] = N;
    const before = conservationError(fine, coarse, cw, ch, f);
    expect(before.maxAbs).toBeGreaterThan(1);
    const after = correctResidualsInPlace(fine, coarse, cw, ch, f);
    expect(after.maxAbs).toBeLessThan(1e-4);
    expect(after.blocks).toBe(cw * ch - 1);
    const means = blockMean(fine, cw * f, ch * f, f, { maxInvalidFraction: 1 }).data;
    for (let i = 0; i < coarse.length; i++) {
      if (Number.isNaN(coarse[i])) expect(means[i]).toBeNaN();
      else expect(Math.abs(means[i] - coarse[i])).toBeLessThan(1e-4);
    }
  });

  it('conserves mean radiance (T^4) in radiance mode', () => {
    const fine = Float32Array.of(280, 320, 300, 310);
    const err = correctResidualsInPlace(fine, Float32Array.of(305), 1, 1, 2, 'radiance');
    const meanT4 = (fine[0] ** 4 + fine[1] ** 4 + fine[2] ** 4 + fine[3] ** 4) / 4;
    expect(Math.abs(Math.pow(meanT4, 0.25) - 305)).toBeLessThan(1e-4);
    expect(err.maxAbs).toBeLessThan(1e-4);
    // The linear mean is not conserved in radiance mode (hot pixels weigh more).
    expect(Math.abs((fine[0] + fine[1] + fine[2] + fine[3]) / 4 - 305)).toBeGreaterThan(1e-3);
  });

  it('checks that the rasters are a coarse grid and its refinement', () => {
    const coarse: Raster = {
      width: 2,
      height: 2,
      transform: [0, 1000, 0, 0, 0, -1000],
      crs: crsFromEpsg(32616),
      data: Float32Array.of(1, 2, 3, 4),
    };
    const fine: Raster = { ...refineGrid(coarse, 2), data: new Float32Array(16).fill(0) };
    const { raster, error } = correctResiduals(coarse, fine, 2);
    expect(raster.data[0]).toBe(1);
    expect(raster.data[15]).toBe(4);
    expect(fine.data[0]).toBe(0);
    expect(error.maxAbs).toBe(0);
    expect(() => correctResiduals(coarse, { ...fine, transform: [500, 500, 0, 0, 0, -500] }, 2)).toThrow(
      /refined by 2/,
    );
  });

  it('corrects column blocks in any order, and their recorded errors add up to the row pass, bit for bit', () => {
    const cw = 37;
    const ch = 21;
    const fw = 2 * cw;
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const coarse = Float32Array.from({ length: cw * ch }, () => (rnd() < 0.08 ? N : 280 + 30 * rnd()));
    coarse[5] = Number.POSITIVE_INFINITY;
    const fine = Float32Array.from({ length: 4 * cw * ch }, () => (rnd() < 0.2 ? N : 280 + 30 * rnd()));
    // An empty block under a valid coarse pixel, and an infinite fine value under an infinite coarse one.
    coarse[5 * cw + 3] = 290;
    for (const i of [10 * fw + 6, 10 * fw + 7, 11 * fw + 6, 11 * fw + 7]) fine[i] = N;
    fine[10] = Number.POSITIVE_INFINITY;
    const sigma = Float32Array.from({ length: fine.length }, () => rnd());
    // Rows 4 .. 17 as one band: the row pass on it, and the same band by blocks of 8 columns, last first.
    const [cr0, cr1] = [4, 17];
    const band = (a: Float32Array) => a.slice(2 * cr0 * fw, 2 * cr1 * fw);
    const [lA, sA, lB, sB] = [band(fine), band(sigma), band(fine), band(sigma)];
    const want = linearSums();
    want.sumB = 1.5;
    want.blocks = 3;
    const got = { ...want };
    correctLinearRows(lA, sA, coarse, cw, cr0, cr1, want);
    const errs = new Float64Array(2 * (cr1 - cr0) * cw + 10);
    for (const c0 of [32, 0, 16, 24, 8]) correctLinearBlock(lB, sB, coarse, cw, cr0, cr1, c0, Math.min(cw, c0 + 8), errs);
    addLinearSums(errs, cr1 - cr0, cw, got);
    expect(new Uint32Array(lB.buffer)).toEqual(new Uint32Array(lA.buffer));
    expect(new Uint32Array(sB.buffer)).toEqual(new Uint32Array(sA.buffer));
    expect(got).toEqual(want);
    expect(want.filled).toBeGreaterThan(0);
    // The whole rows with the infinite block: its errors are NaN in both.
    const [l0, l1] = [fine.slice(0, 2 * 3 * fw), fine.slice(0, 2 * 3 * fw)];
    const [w0, g0] = [linearSums(), linearSums()];
    correctLinearRows(l0, undefined, coarse, cw, 0, 3, w0);
    correctLinearBlock(l1, undefined, coarse, cw, 0, 3, 0, cw, errs);
    addLinearSums(errs, 3, cw, g0);
    expect(g0).toEqual(w0);
    expect(w0.sumB).toBeNaN();
    expect(() => correctLinearBlock(lB, sB, coarse, cw, cr0, cr1, 30, 40, errs)).toThrow(/columns 30..40/);
  });
});
