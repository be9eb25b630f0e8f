import { describe, expect, it } from 'vitest';
import { makePair } from '../model/patches.ts';
import { rawScene } from '../model/test-inputs.ts';
import { BatchSampler } from './sampler.ts';

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
});
