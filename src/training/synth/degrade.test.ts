import { describe, expect, it } from 'vitest';
import { degradeLst } from './degrade.ts';

describe('degradeLst', () => {
  it('averages factor x factor blocks (hand-worked 4x2 -> 2x1)', () => {
    const fine = new Float32Array([300, 302, 310, 310, 304, 306, 290, 294]);
    const c = degradeLst(fine, 4, 2, 2);
    expect(c.width).toBe(2);
    expect(c.height).toBe(1);
    expect(c.data[0]).toBeCloseTo(303, 4);
    expect(c.data[1]).toBeCloseTo(301, 4);
  });

  it('keeps a uniform field uniform under the point spread, and smooths an edge', () => {
    const flat = degradeLst(new Float32Array(64).fill(290), 8, 8, 2, { psfSigmaFinePx: 1.5 });
    for (const v of flat.data) expect(v).toBeCloseTo(290, 3);
    const edge = new Float32Array(64);
    for (let i = 0; i < 64; i++) edge[i] = i % 8 < 4 ? 280 : 300;
    const sharp = degradeLst(edge, 8, 8, 2);
    const soft = degradeLst(edge, 8, 8, 2, { psfSigmaFinePx: 1.5 });
    expect(sharp.data[1]).toBeCloseTo(280, 4);
    expect(soft.data[1]).toBeGreaterThan(281);
    expect(soft.data[2]).toBeLessThan(299);
  });

  it('averages emitted radiance in radiance mode (warmer than the linear mean)', () => {
    const fine = new Float32Array([280, 320, 280, 320]);
    const lin = degradeLst(fine, 2, 2, 2).data[0];
    const rad = degradeLst(fine, 2, 2, 2, { mode: 'radiance' }).data[0];
    expect(lin).toBeCloseTo(300, 4);
    expect(rad).toBeCloseTo(Math.pow((280 ** 4 + 320 ** 4) / 2, 0.25), 2);
    expect(rad).toBeGreaterThan(lin);
  });

  it('leaves blocks that are mostly NaN as NaN', () => {
    const fine = new Float32Array([Number.NaN, Number.NaN, Number.NaN, 300]);
    expect(Number.isNaN(degradeLst(fine, 2, 2, 2).data[0])).toBe(true);
  });
});
