import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './backend.ts';
import { finetuneSrda } from './finetune.ts';
import { initParams, SRDA_SIZES } from './srda-net.ts';
import { createSrdaModel } from './weights.ts';
import { abortAfterProgress } from '../test-support/abort.ts';

describe('per-scene fine-tuning', () => {
  beforeAll(async () => {
    await selectBackend({ only: 'wasm' });
  });

  it('fine-tunes in closed loop at the coarse scale, reports progress, returns a new model, leaks nothing', async () => {
    const model = createSrdaModel(SRDA_SIZES.tiny, 'tiny', initParams(SRDA_SIZES.tiny, 9));
    const w = 40;
    const h = 36;
    const lstK = new Float32Array(w * h);
    const ndvi = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) {
      ndvi[i] = 0.5 * Math.sin(i * 0.7) + 0.3;
      lstK[i] = 305 - 6 * ndvi[i];
    }
    lstK[5] = Number.NaN;
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const res = await finetuneSrda(
      model,
      { width: w, height: h, lstK, aux: { ndvi } },
      { steps: 6, lr: 1e-3, onProgress: (p) => seen.push(p.done) },
    );
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(res.report.steps).toBe(6);
    expect(Number.isFinite(res.report.rmseAfterK)).toBe(true);
    expect(res.report.kept).toBe(res.report.rmseAfterK < res.report.rmseBeforeK);
    expect(res.model).not.toBe(model);
    res.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('stops between steps when cancelled mid-run, releasing the trainer and its optimiser state', async () => {
    const model = createSrdaModel(SRDA_SIZES.tiny, 'tiny', initParams(SRDA_SIZES.tiny, 9));
    const lstK = new Float32Array(32 * 32).map((_, i) => 300 + Math.sin(i / 7));
    const before = tf.memory().numTensors;
    const cancel = abortAfterProgress(2);
    const run = finetuneSrda(model, { width: 32, height: 32, lstK, aux: {} }, { steps: 5, ...cancel });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(cancel.seen).toEqual([1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
