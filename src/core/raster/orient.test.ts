import { describe, expect, it } from 'vitest';
import { composeOrientations, inverseOrientation, orientArray, orientedSize, orientWindow, ORIENTATIONS } from './orient.ts';
import { degradeArray } from './aggregate.ts';

const grid = (w: number, h: number) => Float32Array.from({ length: w * h }, (_, i) => i);

describe('orientArray', () => {
  it('gives eight distinct orientations of a 3 x 2 grid, each undone by its inverse', () => {
    const a = grid(3, 2);
    const seen = new Set<string>();
    for (let k = 0; k < ORIENTATIONS; k++) {
      const o = orientArray(a, 3, 2, k);
      const s = orientedSize(3, 2, k);
      seen.add(`${s.w}x${s.h}:${Array.from(o).join(',')}`);
      expect(Array.from(orientArray(o, s.w, s.h, inverseOrientation(k)))).toEqual(Array.from(a));
    }
    expect(seen.size).toBe(8);
  });

  it('mirrors columns, mirrors rows and transposes as documented', () => {
    // 0 1 2
    // 3 4 5
    const a = grid(3, 2);
    expect(Array.from(orientArray(a, 3, 2, 1))).toEqual([2, 1, 0, 5, 4, 3]);
    expect(Array.from(orientArray(a, 3, 2, 2))).toEqual([3, 4, 5, 0, 1, 2]);
    expect(Array.from(orientArray(a, 3, 2, 4))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(orientArray(Uint8Array.from([1, 2]), 2, 1, 4)).toBeInstanceOf(Uint8Array);
  });

  it('commutes with the factor-2 block mean, so an oriented fine field still sits on its oriented coarse grid', () => {
    const fine = Float32Array.from({ length: 8 * 6 }, (_, i) => Math.sin(i * 1.7) * 10);
    for (let k = 0; k < ORIENTATIONS; k++) {
      const s = orientedSize(4, 3, k);
      const a = degradeArray(orientArray(fine, 8, 6, k), 2 * s.w, 2 * s.h, 2).data;
      const b = orientArray(degradeArray(fine, 8, 6, 2).data, 4, 3, k);
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    }
  });

  it('writes into `into` when given: the same values, that array returned', () => {
    const a = grid(3, 2);
    for (let k = 0; k < ORIENTATIONS; k++) {
      const into = new Float32Array(6).fill(-1);
      expect(orientArray(a, 3, 2, k, into)).toBe(into);
      expect(into).toEqual(orientArray(a, 3, 2, k));
    }
  });

  it('refuses data that does not fit the grid, and an `into` of another length or the data itself', () => {
    expect(() => orientArray(new Float32Array(5), 3, 2, 1)).toThrow(RangeError);
    const a = grid(3, 2);
    expect(() => orientArray(a, 3, 2, 1, new Float32Array(5))).toThrow(RangeError);
    expect(() => orientArray(a, 3, 2, 1, a)).toThrow(RangeError);
  });
});

describe('composeOrientations and orientWindow', () => {
  it('composes two orientations into the one that does both, on a 5 x 3 grid', () => {
    const a = grid(5, 3);
    for (let first = 0; first < ORIENTATIONS; first++) {
      for (let then = 0; then < ORIENTATIONS; then++) {
        const s = orientedSize(5, 3, first);
        const both = orientArray(orientArray(a, 5, 3, first), s.w, s.h, then);
        expect(Array.from(orientArray(a, 5, 3, composeOrientations(first, then))), `${first} then ${then}`).toEqual(Array.from(both));
      }
    }
    // A mirror undone by itself, a rotation by its inverse.
    for (let k = 0; k < ORIENTATIONS; k++) expect(composeOrientations(k, inverseOrientation(k))).toBe(0);
  });

  it('maps a window to the same pixels in the oriented grid, also a window that sticks out of it', () => {
    const w = 7;
    const h = 4;
    const a = grid(w, h);
    const pick = (data: Float32Array, gw: number, gh: number, win: { col: number; row: number; width: number; height: number }) => {
      const out: number[] = [];
      for (let y = win.row; y < win.row + win.height; y++)
        for (let x = win.col; x < win.col + win.width; x++) out.push(x >= 0 && y >= 0 && x < gw && y < gh ? data[y * gw + x] : -1);
      return out.sort((p, q) => p - q);
    };
    for (const win of [{ col: 2, row: 1, width: 3, height: 2 }, { col: -2, row: -1, width: 4, height: 6 }]) {
      for (let k = 0; k < ORIENTATIONS; k++) {
        const s = orientedSize(w, h, k);
        const ow = orientWindow(win, w, h, k);
        expect([ow.width * ow.height]).toEqual([win.width * win.height]);
        expect(pick(orientArray(a, w, h, k), s.w, s.h, ow), `orientation ${k}`).toEqual(pick(a, w, h, win));
      }
    }
  });
});
