import { describe, expect, it } from 'vitest';
import { keysTaps } from '../core/raster/resample.ts';
import { bicubicUp2Window, buildInputWindow, buildNetworkInputs } from './inputs.ts';

/** A field with gaps-free structure at every scale (sines of several periods plus a ramp). */
function field(w: number, h: number, seed: number): Float32Array {
  const v = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) v[y * w + x] = 290 + 0.3 * x - 0.2 * y + 4 * Math.sin(seed + x * 1.7 + y * 0.9) + Math.cos(x * y * 0.13);
  return v;
}

/** The factor-2 Keys upsample written out tap by tap (coordinates clamped to the field, sums from 0 in tap order, float32 between the passes). */
function reference(v: Float32Array, w: number, h: number, y0: number, y1: number, x0: number, x1: number): Float32Array {
  const cl = (i: number, n: number) => Math.min(n - 1, Math.max(0, i));
  const fw = 2 * (x1 - x0);
  const fh = 2 * (y1 - y0);
  const taps = (i: number): [number, number[]] => (i % 2 === 0 ? [(i >> 1) - 2, keysTaps(0.75)] : [(i >> 1) - 1, keysTaps(0.25)]);
  const rows = new Float32Array((y1 - y0 + 4) * fw);
  for (let r = 0; r < y1 - y0 + 4; r++) {
    for (let i = 0; i < fw; i++) {
      const [b, wt] = taps(i);
      let s = 0;
      for (let t = 0; t < 4; t++) s += wt[t] * v[cl(y0 - 2 + r, h) * w + cl(x0 + b + t, w)];
      rows[r * fw + i] = s;
    }
  }
  const out = new Float32Array(fw * fh);
  for (let i = 0; i < fh; i++) {
    const [b, wt] = taps(i);
    for (let x = 0; x < fw; x++) {
      let s = 0;
      for (let t = 0; t < 4; t++) s += wt[t] * rows[(b + t + 2) * fw + x];
      out[i * fw + x] = s;
    }
  }
  return out;
}

describe('bicubicUp2Window', () => {
  it('is the clamped Keys upsample tap by tap, bit for bit, inside and at every edge of the field', () => {
    const w = 23;
    const h = 17;
    const v = field(w, h, 1);
    for (const [y0, y1, x0, x1] of [
      [0, h, 0, w],
      [3, 11, 5, 19],
      [0, 4, 20, 23],
      [16, 17, 0, 1],
      [1, 16, 1, 22],
    ]) {
      const got = bicubicUp2Window(v, w, h, y0, y1, x0, x1);
      const want = reference(v, w, h, y0, y1, x0, x1);
      expect(got.length).toBe(want.length);
      expect(got.every((g, i) => Object.is(g, want[i]))).toBe(true);
    }
  });
});

describe('buildNetworkInputs', () => {
  it('with a region gives every input window inside it bit for bit as without, and normalises nothing outside', () => {
    const w = 40;
    const h = 34;
    const lst = field(w, h, 2);
    for (let y = 12; y < 15; y++) for (let x = 3; x < 9; x++) lst[y * w + x] = Number.NaN;
    const ndvi = field(2 * w, 2 * h, 3).map((v) => (v - 290) / 8);
    const albedo = field(2 * w, 2 * h, 4).map((v) => (v - 280) / 40);
    const dem = field(2 * w, 2 * h, 5).map((v) => 7.3 * v - 1900);
    for (let i = 0; i < 2 * w * 6; i++) dem[i] = Number.NaN;
    const aux = { ndvi, albedo, dem };
    const whole = buildNetworkInputs(lst, w, h, aux);
    for (const region of [
      { y0: 9, y1: 30, x0: 4, x1: 33 },
      { y0: 0, y1: 20, x0: 25, x1: w },
    ]) {
      const part = buildNetworkInputs(lst, w, h, aux, region);
      for (const [y0, y1, x0, x1] of [
        [region.y0, region.y1, region.x0, region.x1],
        [region.y0 + 2, region.y1 - 3, region.x0 + 1, region.x0 + 9],
      ]) {
        const a = buildInputWindow(whole, y0, y1, x0, x1, undefined, true);
        const b = buildInputWindow(part, y0, y1, x0, x1, undefined, true);
        expect(b.data.every((v, i) => Object.is(v, a.data[i]))).toBe(true);
        expect(b.bicubic.every((v, i) => Object.is(v, a.bicubic[i]))).toBe(true);
      }
      // Outside the region the layers are left at 0, inside they are the whole run's.
      const fw = 2 * w;
      const inside = (i: number) => {
        const y = Math.floor(i / fw) >> 1;
        const x = (i % fw) >> 1;
        return y >= region.y0 && y < region.y1 && x >= region.x0 && x < region.x1;
      };
      for (const k of ['ndvi', 'albedo', 'dem'] as const) {
        const p = part.aux[k]!;
        const q = whole.aux[k]!;
        expect(p.every((v, i) => (inside(i) ? Object.is(v, q[i]) : v === 0))).toBe(true);
      }
    }
  });
});
