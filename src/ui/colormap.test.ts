import { describe, expect, it } from 'vitest';
import { colorize, LUTS, lutLuma } from './colormap.ts';

describe('colour tables', () => {
  it('makes inferno run from near black to pale yellow with rising lightness', () => {
    const l = LUTS.inferno;
    expect([l[0], l[1], l[2]]).toEqual([0, 0, 4]);
    expect([l[765], l[766], l[767]]).toEqual([252, 255, 164]);
    for (let k = 8; k < 256; k += 8) expect(lutLuma(l, k)).toBeGreaterThan(lutLuma(l, k - 8));
  });

  it('makes turbo dark blue at the low end, green-yellow in the middle and dark red at the top', () => {
    const l = LUTS.turbo;
    expect(l[2]).toBeGreaterThan(l[1]);
    const mid = 3 * 128;
    expect(l[mid + 1]).toBeGreaterThan(200);
    expect(l[765]).toBeGreaterThan(100);
    expect(l[766]).toBeLessThan(40);
  });

  it('colours NaN as transparent and clamps values outside the range', () => {
    const rgba = colorize(new Float32Array([Number.NaN, 280, 300, 400]), LUTS.inferno, 280, 320);
    expect(Array.from(rgba.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(rgba.slice(4, 8))).toEqual([0, 0, 4, 255]);
    expect(Array.from(rgba.slice(12, 16))).toEqual([252, 255, 164, 255]);
    const k = Math.round(0.5 * 255);
    expect(rgba[8]).toBe(LUTS.inferno[3 * k]);
  });
});
