import { describe, expect, it } from 'vitest';
import { orientArray, orientedSize, ORIENTATIONS } from '../core/raster/orient.ts';
import { allocBatch, makePair, orientPair, writePatch } from './patches.ts';
import { rawScene } from './test-inputs.ts';

describe('orientPair', () => {
  it('equals the pair prepared from the oriented scene, in every orientation, and writes the same patch', () => {
    const r = rawScene();
    const pair = makePair('s', r.coarse, r.w, r.h, r.truth, { ndvi: r.ndvi, dem: r.dem });
    for (let k = 0; k < ORIENTATIONS; k++) {
      const o = orientedSize(r.w, r.h, k);
      const f = (a: Float32Array) => orientArray(a, 2 * r.w, 2 * r.h, k);
      const direct = makePair('s', orientArray(r.coarse, r.w, r.h, k), o.w, o.h, f(r.truth), { ndvi: f(r.ndvi), dem: f(r.dem) });
      const oriented = orientPair(pair, k);
      expect([oriented.w, oriented.h]).toEqual([o.w, o.h]);
      expect(Array.from(oriented.truthK)).toEqual(Array.from(direct.truthK));
      expect(Array.from(oriented.prepared.lstMask)).toEqual(Array.from(direct.prepared.lstMask));
      for (const key of ['lstFilled', 'lstMean'] as const) {
        const a = oriented.prepared[key];
        const b = direct.prepared[key];
        for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 3);
      }
      // The network input written from either (LST, mask, bicubic sub-pixels, guides) agrees.
      const b1 = allocBatch(1, 8);
      const b2 = allocBatch(1, 8);
      writePatch(b1, 0, oriented, 1, 2);
      writePatch(b2, 0, direct, 1, 2);
      for (const key of ['input', 'bicubicN', 'truthN', 'fineMask'] as const) {
        let worst = 0;
        for (let i = 0; i < b1[key].length; i++) worst = Math.max(worst, Math.abs(b1[key][i] - b2[key][i]));
        expect(worst, `${key}, orientation ${k}`).toBeLessThan(1e-4);
      }
    }
  });

});
