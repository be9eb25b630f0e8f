import { describe, expect, it } from 'vitest';
import { makePair } from '../model/patches.ts';
import { rawScene } from '../model/test-inputs.ts';
import { BatchSampler } from './sampler.ts';
import { orientArray } from '../core/raster/orient.ts';

describe('BatchSampler', () => {
  it('gives a sampler with `augment` patches in more than one orientation, the same for the same step', () => {
    const r = rawScene();
    const pair = makePair('s', r.coarse, r.w, r.h, r.truth, { ndvi: r.ndvi });
    const opts = { seed: 3, batch: 16, patchPx: 8, realShare: 1, poolSize: 0, refresh: 0 };
    const plain = new BatchSampler(opts, [pair]).batchFor(5);
    const a = new BatchSampler({ ...opts, augment: true }, [pair]).batchFor(5);
    const b = new BatchSampler({ ...opts, augment: true }, [pair]).batchFor(5);
    expect(Array.from(a.input)).toEqual(Array.from(b.input));
    expect(Array.from(a.input)).not.toEqual(Array.from(plain.input));
  });

  it('gives each batch with `twins` its twin: the same patches turned by one orientation, the batch itself unchanged', () => {
    const r = rawScene();
    const pair = makePair('s', r.coarse, r.w, r.h, r.truth, { ndvi: r.ndvi });
    const opts = { seed: 4, batch: 6, patchPx: 8, realShare: 1, poolSize: 0, refresh: 0, augment: true };
    const plain = new BatchSampler(opts, [pair]).batchFor(9);
    const withTwin = new BatchSampler({ ...opts, twins: true }, [pair]).batchFor(9);
    expect(plain.twin).toBeUndefined();
    // The batch is the one a run without twins draws (the twin has its own generator).
    expect(Array.from(withTwin.input)).toEqual(Array.from(plain.input));
    expect(Array.from(withTwin.truthN)).toEqual(Array.from(plain.truthN));
    const t = withTwin.twin!;
    expect(t.orientation).toBeGreaterThan(0);
    const fp = 16;
    const cp = 8;
    for (let b = 0; b < opts.batch; b++) {
      const fine = (a: Float32Array) => a.slice(b * fp * fp, (b + 1) * fp * fp);
      for (const key of ['truthN', 'bicubicN', 'fineMask'] as const)
        expect(Array.from(fine(t.batch[key])), `patch ${b} ${key}`).toEqual(Array.from(orientArray(fine(withTwin[key]), fp, fp, t.orientation)));
      // Channel 0 of the input, the coarse LST, turned the same way.
      const coarse = (a: Float32Array) => Float32Array.from({ length: cp * cp }, (_, i) => a[(b * cp * cp + i) * (a.length / (opts.batch * cp * cp))]);
      expect(Array.from(coarse(t.batch.input))).toEqual(Array.from(orientArray(coarse(withTwin.input), cp, cp, t.orientation)));
    }
  });

  it('gives each batch with `views` its seven other orientations: the same patches, each turned, the batch itself unchanged', () => {
    const r = rawScene();
    const pair = makePair('s', r.coarse, r.w, r.h, r.truth, { ndvi: r.ndvi });
    const opts = { seed: 5, batch: 4, patchPx: 8, realShare: 1, poolSize: 0, refresh: 0, augment: true };
    const plain = new BatchSampler(opts, [pair]).batchFor(11);
    const withViews = new BatchSampler({ ...opts, views: true }, [pair]).batchFor(11);
    expect(plain.views).toBeUndefined();
    expect(Array.from(withViews.input)).toEqual(Array.from(plain.input));
    const views = withViews.views!;
    expect(views.map((v) => v.orientation)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const fp = 16;
    for (const v of views) {
      for (let b = 0; b < opts.batch; b++) {
        const fine = (a: Float32Array) => a.slice(b * fp * fp, (b + 1) * fp * fp);
        // The fine mask exactly; truth and bicubic up to float rounding (the local means of a turned scene sum in another order).
        expect(Array.from(fine(v.batch.fineMask)), `view ${v.orientation} patch ${b}`).toEqual(Array.from(orientArray(fine(withViews.fineMask), fp, fp, v.orientation)));
        for (const key of ['truthN', 'bicubicN'] as const) {
          const want = orientArray(fine(withViews[key]), fp, fp, v.orientation);
          const got = fine(v.batch[key]);
          expect(Math.max(...got.map((x, i) => Math.abs(x - want[i]))), `view ${v.orientation} patch ${b} ${key}`).toBeLessThan(1e-5);
        }
      }
    }
  });
});
