import { describe, expect, it, vi } from 'vitest';
import { colorize, colorizeReusing, LUTS, lutLuma } from './colormap.ts';

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

  it('writes over `into` of the right length (NaN cleared to transparent), else makes a new array', () => {
    const values = new Float32Array([Number.NaN, 280, 300, 400]);
    const want = colorize(values, LUTS.inferno, 280, 320);
    const into = new Uint8ClampedArray(16).fill(77);
    const got = colorize(values, LUTS.inferno, 280, 320, into);
    expect(got).toBe(into);
    expect(Array.from(got)).toEqual(Array.from(want));
    const short = new Uint8ClampedArray(12);
    const fresh = colorize(values, LUTS.inferno, 280, 320, short);
    expect(fresh).not.toBe(short);
    expect(Array.from(fresh)).toEqual(Array.from(want));
  });

  it('colorizeReusing writes the next grid of the same size over the array it returned last', () => {
    const a = new Float32Array([Number.NaN, 280, 300, 400]);
    const b = new Float32Array([300, Number.NaN, 281, 250]);
    const first = colorizeReusing(a, LUTS.inferno, 280, 320);
    expect(Array.from(first)).toEqual(Array.from(colorize(a, LUTS.inferno, 280, 320)));
    const second = colorizeReusing(b, LUTS.inferno, 280, 320);
    expect(second).toBe(first);
    expect(Array.from(second)).toEqual(Array.from(colorize(b, LUTS.inferno, 280, 320)));
    const other = colorizeReusing(new Float32Array([290, 291]), LUTS.inferno, 280, 320);
    expect(other).not.toBe(first);
    expect(other.length).toBe(8);
  });

  it('colorizeReusing lets its array go five seconds after its last call', () => {
    vi.useFakeTimers();
    try {
      const v = new Float32Array([290, 300]);
      const first = colorizeReusing(v, LUTS.inferno, 280, 320);
      vi.advanceTimersByTime(4000);
      const second = colorizeReusing(v, LUTS.inferno, 280, 320);
      expect(second).toBe(first);
      vi.advanceTimersByTime(5001);
      expect(colorizeReusing(v, LUTS.inferno, 280, 320)).not.toBe(first);
    } finally {
      vi.useRealTimers();
    }
  });
});
